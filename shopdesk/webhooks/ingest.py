"""The ingest pipeline inside the portal process: store deliveries in groups, process them in
batches, so a burst of webhooks costs a few transactions instead of one per request.

* :meth:`Ingest.submit` waits until the delivery is durably stored (the writer commits every
  delivery waiting at that moment in one transaction), so the sender is answered 2xx only
  for what is on disk.
* The processor takes stored deliveries off an in-memory queue in batches and hands them to
  :func:`shopdesk.webhooks.inbox.process` (tracking events: one transaction per batch).
* On start it picks up deliveries stored but not processed before a stop or a crash; the
  services are idempotent, so a delivery processed twice changes nothing the second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from shopdesk.webhooks import Work, inbox
from shopdesk.webhooks.inbox import Incoming, Stored

log = logging.getLogger("shopdesk.webhooks")
STORE_BATCH = 500
PROCESS_BATCH = 500
LINGER = 0.05  # seconds the processor waits for more deliveries before a batch


class Ingest:
    """Group-commit writer and batch processor for webhook deliveries (one per process)."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Incoming, asyncio.Future[Stored]]] = []
        self._wake_writer = asyncio.Event()
        self._queue: asyncio.Queue[tuple[int, Work | None]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0  # batches being stored or processed

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    async def start(self) -> None:
        """Start the writer and the processor; queue deliveries left from an earlier run."""
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self._write_loop(), name="webhook-writer"),
            asyncio.create_task(self._process_loop(), name="webhook-processor"),
        ]
        for raw_id in await inbox.recover():
            self._queue.put_nowait((raw_id, None))

    async def stop(self) -> None:
        """Finish what is stored, then stop (what is left is recovered on the next start)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(), 10)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def submit(self, item: Incoming) -> Stored:
        """Store one delivery (with others waiting at the same moment); returns once it is
        committed. Accepted, new deliveries are then queued for processing."""
        if not self._tasks:
            await self.start()
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._wake_writer.set()
        return await future

    async def idle(self) -> None:
        """Wait until everything stored so far has been processed (for tests and stop)."""
        while self._waiting or not self._queue.empty() or self._busy:
            await asyncio.sleep(0.01)

    async def _write_loop(self) -> None:
        while True:
            await self._wake_writer.wait()
            self._wake_writer.clear()
            while self._waiting:
                batch, self._waiting = self._waiting[:STORE_BATCH], self._waiting[STORE_BATCH:]
                self._busy += 1
                try:
                    results = await inbox.store([item for item, _ in batch])
                except Exception as exc:  # the database failed: every sender gets a 5xx
                    log.exception("storing %d webhook deliveries failed", len(batch))
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                finally:
                    self._busy -= 1
                for (item, future), stored in zip(batch, results, strict=True):
                    if item.status == "accepted" and not stored.duplicate:
                        self._queue.put_nowait((stored.id, item.work))
                    if not future.done():
                        future.set_result(stored)

    async def _process_loop(self) -> None:
        while True:
            first = await self._queue.get()
            self._busy += 1
            try:
                if self._queue.qsize() < PROCESS_BATCH:  # a burst: let the batch fill a little
                    await asyncio.sleep(LINGER)
                batch = [first]
                while len(batch) < PROCESS_BATCH and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                try:
                    await inbox.process(batch)
                except Exception:  # rows stay "accepted": recovered on the next start
                    log.exception("processing %d webhook deliveries failed", len(batch))
            finally:
                self._busy -= 1
