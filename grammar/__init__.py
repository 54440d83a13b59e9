"""The SQL grammar of mongodbapi (``sql.lark``), shipped inside the package as ``mongodbapi.grammar``."""
