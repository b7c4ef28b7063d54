"""The download engine: products to disk, streamed, resumed, verified, renamed atomically, with source fallback.

One module per step, each usable alone (everything is plain Python; callbacks run on worker threads and the
QGIS layer marshals them to the main thread):

- `job`: a download job (`Job`), its `State`, and `Control` (stop requests).
- `plan`: what to fetch from one source of a product (`plan_source`: the whole archive, or chosen assets) and
  the plain product questions the Downloads tab asks (`needs_assets`, `http_assets`, `preset_keys`, `is_cog`).
- `checksum`: MD5/SHA-* computed on a thread of its own while the bytes arrive.
- `fetch`: one file (`fetch_file`): ``.part``, ``Range`` resume, redirects with credentials, one `RetryPolicy`
  for every retry-or-give-up decision, size and checksum verification, atomic rename, full-disk messages.
- `downloader`: one product (`Downloader.run(job, control)`), in the calling thread (a Processing algorithm, a
  worker): tries the product's sources in the user's order, falls back to the next, extracts zips if asked.
- `manager`: the queue in memory (`DownloadManager`): worker threads, global and per-account limits, cancel,
  pause all / resume all, retry, remove, persistence through a store so a restart resumes.
- `queue`: that store on disk (`JobQueue`, one SQLite file).

Arrows: manager -> downloader -> plan, fetch -> checksum; every module -> job; queue -> job. Nothing here
imports Qt or QGIS.

    manager = DownloadManager(Downloader(catalog, accounts, http_settings), max_downloads=4,
                              store=JobQueue(path), on_state=..., on_progress=...)
    manager.start()                       # stored jobs are loaded and announced; interrupted ones resume
    job = manager.add(product, "/data/eo", assets=("visual",), extract=False)
    manager.pause_all(); manager.resume_all(); manager.cancel(job.id); manager.retry(job.id)
    manager.remove(job.id); manager.jobs(); manager.job(job.id)
    manager.wait([job.id]); manager.stop()   # stop(): running jobs stay queued for next time
"""
