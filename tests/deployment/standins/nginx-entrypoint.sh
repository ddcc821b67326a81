#!/bin/sh
# Render /etc/nginx/templates/*.template to /etc/nginx/conf.d/*.conf, substituting only the variables whose names
# match NGINX_ENVSUBST_FILTER (as the official image's 20-envsubst-on-templates.sh does), then run the command.
set -eu
filter="${NGINX_ENVSUBST_FILTER:-}"
defined="$(env | cut -d= -f1 | grep -E "${filter:-.}" | sed 's/^/$/' | tr '\n' ' ')"
for template in /etc/nginx/templates/*.template; do
  [ -f "$template" ] || continue
  name="$(basename "$template" .template)"
  envsubst "$defined" <"$template" >"/etc/nginx/conf.d/$name"
done
exec "$@"
