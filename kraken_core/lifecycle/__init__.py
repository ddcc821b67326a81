"""Instrument file lifecycle: move finished files into the instrument's `Backup/` folder, and delete the oldest
ones when the instrument disk runs low, only once every file's backup is proven identical."""
