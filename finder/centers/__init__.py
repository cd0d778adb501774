"""The centers area: the catalog a process serves from, the data files it is read from, the
center rows in the database, loading a new list, and the API's one-center and products calls."""
