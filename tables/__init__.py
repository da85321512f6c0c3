"""Data only: this directory is installed as the package ``translit.tables`` so that wheels and
editable installs carry the shipped tables. Nothing here is code."""
