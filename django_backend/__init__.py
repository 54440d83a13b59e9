"""A Django database backend for MongoDB built on mongodbapi."""
