#!/usr/bin/env bash
# notecheck's Spark job through spark-submit, with notecheck shipped as a wheel (--py-files).
#
#   bench/spark_submit.sh                          # 1,000 generated notes, local[2], outputs in /tmp/notecheck-spark/
#   bench/spark_submit.sh notes.parquet out/reports.parquet [--payer aetna] [--partitions 8]
#   MASTER=spark://host:7077 bench/spark_submit.sh hdfs:///notes/ hdfs:///notecheck/reports.parquet
#
# Outputs: the reports (OUT) and the findings (OUT with .findings.parquet), both Parquet.
#
# The wheel carries notecheck's code and rule files only. The executors also need notecheck's dependencies
# (spaCy, medspaCy, pydantic, ... — constraints.txt) in the Python that PYSPARK_PYTHON names. Here that is
# this checkout's .venv; on a cluster, ship a packed environment, e.g.
#     --archives notecheck-env.tar.gz#env --conf spark.pyspark.python=./env/bin/python
# (docs/scale.md, "On a cluster"). Executors that have no notecheck installed run it from the shipped wheel
# (notecheck.spark.worker.ensure_notecheck extracts it once per machine: the rule files must be on disk).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
WORK=${WORK:-/tmp/notecheck-spark}
INPUT=${1:-}
OUT=${2:-$WORK/reports.parquet}
shift $(( $# > 2 ? 2 : $# ))

# 1. the wheel: pure Python, resources/*.json and the profiles included (pyproject.toml package-data)
rm -rf dist build  # build/: setuptools would reuse stale files from an earlier build
"$VENV/bin/pip" wheel --no-deps --quiet --wheel-dir dist .
WHEEL=$(ls dist/notecheck-*.whl)
echo "wheel: $WHEEL" >&2

# 2. an input, if none was given: generated notes as JSON Lines (note_id, text, billed)
if [ -z "$INPUT" ]; then
    mkdir -p "$WORK"
    INPUT=$WORK/notes.jsonl
    "$VENV/bin/python" bench/note_mix.py "$INPUT" --notes 1000 >&2
fi

# 3. submit. bench/spark_entry.py runs `notecheck spark-check` with the arguments that follow it.
export PYSPARK_PYTHON=${PYSPARK_PYTHON:-$PWD/$VENV/bin/python}
export PYSPARK_DRIVER_PYTHON=${PYSPARK_DRIVER_PYTHON:-$PYSPARK_PYTHON}
status=0
"$VENV/bin/spark-submit" \
    --master "${MASTER:-local[2]}" \
    --name notecheck-spark-check \
    --py-files "$WHEEL" \
    --conf spark.python.worker.reuse=true \
    --conf spark.ui.showConsoleProgress=false \
    --conf spark.log.level=WARN \
    --conf spark.executor.memoryOverhead=1g \
    bench/spark_entry.py "$INPUT" --out "$OUT" --overwrite "$@" || status=$?
# exit status as for `notecheck check`: 0 clean, 1 error-level findings, 2 unreadable notes or bad usage
echo "spark-check exit status: $status" >&2
exit "$status"
