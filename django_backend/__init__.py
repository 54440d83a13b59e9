"""Django database backend for MongoDB, built on the ``mongodbapi`` PEP 249 driver.

``ENGINE: "django_backend"``; see ``django_backend.base`` for the settings it takes.
"""
