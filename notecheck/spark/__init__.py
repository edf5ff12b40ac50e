"""notecheck on Apache Spark (optional extra `notecheck[spark]`); the core never imports pyspark."""
