"""spark-submit entry point for `notecheck spark-check` (spark-submit needs a Python file to run).

    spark-submit [spark options] --py-files dist/notecheck-0.1.0-py3-none-any.whl bench/spark_entry.py \
        INPUT --out OUT.parquet [--format parquet|csv|jsonl] [--payer medicare] [--partitions N] [--overwrite]

Takes the same arguments as `notecheck spark-check`; see bench/spark_submit.sh and docs/scale.md.
"""

from notecheck.spark.cli import main

if __name__ == "__main__":
    main()
