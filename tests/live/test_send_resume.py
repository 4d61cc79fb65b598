"""A socket writes a frame at once when the server takes it at once; a send that has to
wait (a server applying back-pressure) is finished later by `resumed`, in order."""

import asyncio

from instaclone.consumers import resumed


async def test_a_send_that_had_to_wait_is_finished_where_it_stopped() -> None:
    steps: list[str] = []

    async def send() -> str:
        steps.append("started")
        await asyncio.sleep(0)
        steps.append("resumed")
        await asyncio.sleep(0.01)
        return "sent"

    coroutine = send()
    awaited = coroutine.send(None)
    assert steps == ["started"]

    assert await resumed(coroutine, awaited) == "sent"
    assert steps == ["started", "resumed"]


async def test_a_send_still_waiting_is_cancelled_with_its_socket() -> None:
    released = asyncio.Event()
    outcome: list[str] = []

    async def send() -> None:
        try:
            await released.wait()
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    coroutine = send()
    awaited = coroutine.send(None)

    async def finish() -> None:
        await resumed(coroutine, awaited)

    task = asyncio.get_running_loop().create_task(finish())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    assert task.cancelled()
    assert outcome == ["cancelled"]
