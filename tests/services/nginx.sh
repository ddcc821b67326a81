# Debian nginx for the entrance tests: each test starts its own nginx with a private configuration rendered from
# docker/nginx/alphakraken.conf.template, in front of a real companion app and real Dagster webservers.
start_nginx() {
  apt_install nginx-light openssl
  set_service_var NGINX_PATH "$(command -v nginx || echo /usr/sbin/nginx)"
}

stop_nginx() {
  :  # nginx runs only inside each test (started and stopped by the test)
}
