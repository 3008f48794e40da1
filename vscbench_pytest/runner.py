"""Produce and judge the response for each item: images decoded lazily, batched lookahead.

``Runner.result(item)`` generates a batch starting at ``item`` (the next items in the order
the tests will ask for them) and keeps the answers until their tests ask.
"""
from __future__ import annotations

from .backends.base import Backend, Request, Response
from .errors import ItemError
from .images import load_image
from .items import Item
from .judges import Judge
from .results import ItemResult, error_result, make_result


def build_request(item: Item) -> Request:
    """The request for ``item``; its image is decoded now. Raises ItemError."""
    image = load_image(item.image) if item.image is not None else None
    return Request(uid=item.uid, prompt=item.prompt, image=image)


class Runner:
    """Answers and judges items for one process, ``batch_size`` at a time."""

    def __init__(
        self,
        backend: Backend | None,
        judge: Judge,
        order: list[Item],
        batch_size: int = 1,
        backend_error: str | None = None,
    ) -> None:
        self.backend = backend
        self.judge = judge
        self.order = order
        self.position = {item.uid: i for i, item in enumerate(order)}
        self.batch_size = max(1, batch_size)
        self.backend_error = backend_error
        self._responses: dict[str, Response] = {}

    def _batch_from(self, item: Item) -> list[Item]:
        start = self.position.get(item.uid)
        if start is None:
            return [item]
        batch = [item]
        for other in self.order[start + 1:]:
            if len(batch) >= self.batch_size:
                break
            if other.uid not in self._responses:
                batch.append(other)
        return batch

    def _fill(self, item: Item) -> None:
        if self.backend is None:
            self._responses[item.uid] = Response(None, self.backend_error or "no model")
            return
        requests = []
        for member in self._batch_from(item):
            try:
                requests.append(build_request(member))
            except ItemError as exc:
                self._responses[member.uid] = Response(None, f"{exc} ({member.source})")
        if requests:
            for request, response in zip(requests, self.backend.generate(requests)):
                self._responses[request.uid] = response

    def response(self, item: Item) -> Response:
        """The response for ``item``, generating its batch when not yet done."""
        if item.uid not in self._responses:
            self._fill(item)
        return self._responses.pop(item.uid)

    def result(self, item: Item) -> ItemResult:
        """Response, then verdict: the judged result of ``item``."""
        response = self.response(item)
        if response.error is not None or response.text is None:
            return error_result(item, response.error or "no response", response.text)
        judgement = self.judge.judge(item.prompt, response.text)
        return make_result(item, response.text, judgement.verdict, judgement.reason)
