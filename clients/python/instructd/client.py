"""HTTP client for instructd, standard library only."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import ConnectionFailed, InstructdError, error_for

Document = Mapping[str, Any]
"""A document to store: ``{"id", "text", "title"?, "metadata"?, "vector"?}`` (BEIR's ``_id`` works too)."""


@dataclass
class SearchHit:
    """One search result."""

    id: str
    score: float
    title: str = ""
    text: str = ""
    metadata: Dict[str, Any] = field(default_factory=dict)
    vector: Optional[List[float]] = None
    passage: Optional[Dict[str, Any]] = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "SearchHit":
        return cls(id=d["id"], score=float(d["score"]), title=d.get("title", ""), text=d.get("text", ""),
                   metadata=dict(d.get("metadata") or {}), vector=d.get("vector"), passage=d.get("passage"))


@dataclass
class SearchResponse:
    """The answer to one query: hits best first, plus what the server did."""

    hits: List[SearchHit]
    mode: str
    constraints: Optional[Dict[str, Any]] = None
    timings: Dict[str, float] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "SearchResponse":
        return cls(hits=[SearchHit.from_json(h) for h in d.get("hits") or []], mode=d.get("mode", ""),
                   constraints=d.get("constraints"), timings=dict(d.get("timings") or {}),
                   warnings=list(d.get("warnings") or []), raw=dict(d))


@dataclass
class IngestResult:
    """What a streamed ingest committed.

    ``acknowledged`` counts input items (from the start of the iterator, skipped ones
    included) known to be handled: stored, or rejected and listed in ``failed``. Pass it as
    ``skip=`` to resume after an interruption.
    """

    upserted: int = 0
    acknowledged: int = 0
    failed: List[Dict[str, Any]] = field(default_factory=list)
    failed_count: int = 0
    truncated_count: int = 0


class Client:
    """A client for one instructd server.

    >>> c = Client("http://127.0.0.1:8080", api_key=None)
    >>> c.create_collection("docs")
    >>> c.ingest("docs", ({"id": str(i), "text": t} for i, t in enumerate(texts)))
    >>> c.search("docs", "how do owls hunt", instruction="prefer field observations").hits
    """

    def __init__(self, base_url: str = "http://127.0.0.1:8080", api_key: Optional[str] = None,
                 timeout: float = 120.0):
        u = urllib.parse.urlparse(base_url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise ValueError(f"bad server URL {base_url!r}: want http(s)://host:port")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    # -- transport ---------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None, *, raw: Optional[Union[bytes, Iterable[bytes]]] = None,
                 content_type: str = "application/json", accept: str = "application/json",
                 query: Optional[Mapping[str, Any]] = None) -> Tuple[int, bytes]:
        url = self.base_url + path
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            if q:
                url += "?" + urllib.parse.urlencode(q)
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        req.add_header("Accept", accept)
        if self.api_key:
            req.add_header("Authorization", "Bearer " + self.api_key)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            raise _decode_error(e.code, e.read(), e.headers.get("Retry-After")) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ConnectionFailed(0, "connection_failed",
                                   f"cannot reach instructd at {self.base_url}: {reason} (is the server running? "
                                   f"pass its address as Client(base_url=...))") from None

    def _json(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        _, data = self._request(method, path, body, **kw)
        return json.loads(data) if data else None

    @staticmethod
    def _cpath(name: str) -> str:
        return "/v1/collections/" + urllib.parse.quote(name, safe="")

    # -- server ------------------------------------------------------------------------

    def health(self) -> bool:
        """True when the process answers /healthz."""
        self._request("GET", "/healthz")
        return True

    def ready(self) -> bool:
        """True when every collection has recovered and models are loaded (/readyz)."""
        try:
            self._request("GET", "/readyz")
            return True
        except InstructdError as e:
            if e.status == 503:
                return False
            raise

    def models(self) -> List[Dict[str, Any]]:
        """The loaded model packs (GET /v1/models)."""
        return list(self._json("GET", "/v1/models").get("data") or [])

    # -- collections -------------------------------------------------------------------

    def list_collections(self) -> List[Dict[str, Any]]:
        """Every collection with its count and spec."""
        out = self._json("GET", "/v1/collections")
        return list(out.get("collections") or []) if isinstance(out, dict) else list(out or [])

    def get_collection(self, name: str) -> Dict[str, Any]:
        """One collection's info (raises NotFound)."""
        return self._json("GET", self._cpath(name))

    def create_collection(self, name: str, **spec: Any) -> Dict[str, Any]:
        """Creates a collection, or returns the existing one if its spec is the same.

        ``spec`` takes the API's fields: model, dimension, metric, index, default_instruction,
        default_mode, chunking, ... A different existing spec raises Conflict.
        """
        return self._json("PUT", self._cpath(name), spec)

    def delete_collection(self, name: str) -> None:
        """Deletes a collection and its documents."""
        self._request("DELETE", self._cpath(name))

    # -- documents ---------------------------------------------------------------------

    def upsert(self, collection: str, documents: Sequence[Document]) -> Dict[str, Any]:
        """Stores documents in one all-or-nothing JSON request (at most the server's per-request limit)."""
        return self._json("POST", self._cpath(collection) + "/documents", {"documents": list(documents)})

    def ingest(self, collection: str, documents: Iterable[Document], *, skip: int = 0, lines_per_request: int = 10000,
               batch: Optional[int] = None,
               on_progress: Optional[Callable[[IngestResult], None]] = None) -> IngestResult:
        """Streams documents as NDJSON, ``lines_per_request`` lines per request.

        Each request's summary acknowledges its lines; ``IngestResult.acknowledged`` is the
        number of items handled so far, counting from the iterator's start. After an error,
        call again with ``skip=result.acknowledged`` (or ``e.acknowledged`` on the raised
        error) and the same iterator to resume. Bad lines don't stop the stream: they are
        listed in ``failed`` with their item number (1-based, from the iterator's start).
        """
        if lines_per_request < 1:
            raise ValueError("lines_per_request must be ≥ 1")
        res = IngestResult(acknowledged=skip)
        it = iter(documents)
        for _ in itertools.islice(it, skip):
            pass
        while True:
            chunk = [json.dumps(d, ensure_ascii=False).encode("utf-8") + b"\n"
                     for d in itertools.islice(it, lines_per_request)]
            if not chunk:
                return res
            try:
                _, data = self._request("POST", self._cpath(collection) + "/documents", raw=b"".join(chunk),
                                        content_type="application/x-ndjson", accept="application/json",
                                        query={"batch": batch})
            except InstructdError as e:
                e.acknowledged = res.acknowledged  # type: ignore[attr-defined]
                raise
            summary = _last_json_line(data)
            if not summary.get("done", False):
                err = summary.get("error") or {}
                e = InstructdError(200, err.get("code", "ingest_aborted"),
                                   err.get("message", "the server aborted the stream"))
                e.acknowledged = res.acknowledged + int(summary.get("through_line", 0))  # type: ignore[attr-defined]
                raise e
            base = res.acknowledged
            res.upserted += int(summary.get("upserted", 0))
            res.failed_count += int(summary.get("failed_count", 0))
            res.truncated_count += int(summary.get("truncated_count", 0))
            for f in summary.get("failed") or []:
                f = dict(f)
                f["item"] = base + int(f.get("line", 0))
                res.failed.append(f)
            res.acknowledged = base + len(chunk)
            if on_progress:
                on_progress(res)

    def get_document(self, collection: str, doc_id: str) -> Dict[str, Any]:
        """One stored document (raises NotFound)."""
        return self._json("GET", self._cpath(collection) + "/documents/" + urllib.parse.quote(doc_id, safe=""))

    def delete_document(self, collection: str, doc_id: str) -> None:
        """Deletes one document; deleting a missing one raises NotFound."""
        self._request("DELETE", self._cpath(collection) + "/documents/" + urllib.parse.quote(doc_id, safe=""))

    # -- search ------------------------------------------------------------------------

    def search(self, collection: str, query: Optional[str] = None, *, vector: Optional[Sequence[float]] = None,
               instruction: Optional[str] = None, k: Optional[int] = None, filter: Optional[Mapping[str, Any]] = None,
               mode: Optional[str] = None, include: Optional[Sequence[str]] = None, **fields: Any) -> SearchResponse:
        """One query. ``fields`` passes any other request field as is (ef, min_score, exclude,
        auto_constraints, fusion, alpha, rrf_k, rerank, ...)."""
        body = _search_body(query=query, vector=vector, instruction=instruction, k=k, filter=filter, mode=mode,
                            include=include, **fields)
        return SearchResponse.from_json(self._json("POST", self._cpath(collection) + "/search", body))

    def search_batch(self, collection: str, queries: Sequence[Mapping[str, Any]], **defaults: Any) -> List[SearchResponse]:
        """Several queries in one request; ``defaults`` (e.g. instruction, k, mode) fill in the
        fields a query doesn't set itself."""
        base = _search_body(**defaults)
        body = {"queries": [{**base, **dict(q)} for q in queries]}
        out = self._json("POST", self._cpath(collection) + "/search", body)
        return [SearchResponse.from_json(r) for r in out.get("results") or []]

    # -- models ------------------------------------------------------------------------

    def embed(self, inputs: Union[str, Sequence[str]], *, model: Optional[str] = None, input_type: Optional[str] = None,
              instruction: Optional[str] = None, dimensions: Optional[int] = None) -> List[List[float]]:
        """Vectors for texts through the OpenAI-compatible /v1/embeddings (documents by default;
        ``input_type="query"`` applies the model's query template and ``instruction``)."""
        body: Dict[str, Any] = {"input": inputs}
        for k, v in (("model", model), ("input_type", input_type), ("instruction", instruction),
                     ("dimensions", dimensions)):
            if v is not None:
                body[k] = v
        out = self._json("POST", "/v1/embeddings", body)
        data = sorted(out.get("data") or [], key=lambda d: d.get("index", 0))
        return [list(d["embedding"]) for d in data]

    def rerank(self, query: str, documents: Sequence[Union[str, Mapping[str, Any]]], *, top_n: Optional[int] = None,
               model: Optional[str] = None, instruction: Optional[str] = None,
               return_documents: Optional[bool] = None) -> List[Dict[str, Any]]:
        """Scores documents against the query with a reranker pack (POST /v1/rerank); results best first."""
        body: Dict[str, Any] = {"query": query, "documents": list(documents)}
        for k, v in (("top_n", top_n), ("model", model), ("instruction", instruction),
                     ("return_documents", return_documents)):
            if v is not None:
                body[k] = v
        return list(self._json("POST", "/v1/rerank", body).get("results") or [])


def _search_body(**fields: Any) -> Dict[str, Any]:
    body = {k: v for k, v in fields.items() if v is not None}
    if "vector" in body:
        body["vector"] = list(body["vector"])
    return body


def _last_json_line(data: bytes) -> Dict[str, Any]:
    lines = [ln for ln in data.splitlines() if ln.strip()]
    if not lines:
        return {}
    return json.loads(lines[-1])


def _decode_error(status: int, body: bytes, retry_after: Optional[str]) -> InstructdError:
    code, message, fld = "http_%d" % status, body.decode("utf-8", "replace").strip() or "HTTP %d" % status, None
    try:
        err = json.loads(body).get("error") or {}
        code = err.get("code") or err.get("type") or code
        message = err.get("message") or message
        fld = err.get("field") or err.get("param")
    except (ValueError, AttributeError):
        pass
    ra: Optional[float] = None
    if retry_after:
        try:
            ra = float(retry_after)
        except ValueError:
            ra = None
    return error_for(status, str(code), str(message), fld, ra)


def iter_jsonl(path: str) -> Iterator[Dict[str, Any]]:
    """Yields the objects of a JSONL file (e.g. a BEIR corpus.jsonl), skipping blank lines."""
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
