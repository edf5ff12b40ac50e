"""notecheck review: batch pre-billing review with a durable store, worklists, cross-note checks and audit sampling.

    inputs.py     folder + claims, CSV / JSON Lines exports, FHIR Bundles → notes and error records
    store.py      the SQLite store (WAL): notes, findings, runs, error records; resume by note key
    runner.py     `notecheck review`: the worker pool, progress, writing results
    crossnote.py  frequency, the earlier block's relief, cloned documentation (findings on the later note)
    export.py     worklists (CSV, JSON Lines) and the HTML report (templates/report.html.j2)
    audit.py      audit sampling and appraisal (RAT-STATS / CMS PIM ch. 8)
    cli.py        the commands, registered on the main app

See docs/review.md.
"""
