"""LangChain-shaped adapters that need no LangChain import.

``InstructdEmbeddings`` has the methods of ``langchain_core.embeddings.Embeddings``
(embed_documents, embed_query) and ``InstructdVectorStore`` those of a ``VectorStore``
that RAG code calls (add_texts, similarity_search, similarity_search_with_score, delete,
as_retriever-style ``get_relevant_documents``), so either can be passed where LangChain
expects one by duck typing, or wrapped in a one-line subclass.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .client import Client, SearchHit


@dataclass
class Document:
    """LangChain's Document shape: page_content plus metadata (id and score added)."""

    page_content: str
    metadata: Dict[str, Any] = field(default_factory=dict)
    id: Optional[str] = None


class InstructdEmbeddings:
    """Embeddings through /v1/embeddings; queries get the model's template and ``instruction``."""

    def __init__(self, client: Client, model: Optional[str] = None, instruction: Optional[str] = None,
                 dimensions: Optional[int] = None, batch_size: int = 256):
        self.client, self.model, self.instruction, self.dimensions = client, model, instruction, dimensions
        self.batch_size = batch_size

    def embed_documents(self, texts: List[str]) -> List[List[float]]:
        out: List[List[float]] = []
        for i in range(0, len(texts), self.batch_size):
            out += self.client.embed(texts[i:i + self.batch_size], model=self.model, input_type="document",
                                     dimensions=self.dimensions)
        return out

    def embed_query(self, text: str) -> List[float]:
        return self.client.embed([text], model=self.model, input_type="query", instruction=self.instruction,
                                 dimensions=self.dimensions)[0]


class InstructdVectorStore:
    """A collection as a VectorStore: the server embeds texts and follows the instruction."""

    def __init__(self, client: Client, collection: str, instruction: Optional[str] = None,
                 mode: Optional[str] = None, create: bool = True, **spec: Any):
        self.client, self.collection, self.instruction, self.mode = client, collection, instruction, mode
        if create:
            client.create_collection(collection, **spec)

    def add_texts(self, texts: Iterable[str], metadatas: Optional[Sequence[Mapping[str, Any]]] = None,
                  ids: Optional[Sequence[str]] = None, **_: Any) -> List[str]:
        texts = list(texts)
        ids = list(ids) if ids is not None else [str(uuid.uuid4()) for _ in texts]
        docs = []
        for i, t in enumerate(texts):
            d: Dict[str, Any] = {"id": ids[i], "text": t}
            if metadatas is not None and metadatas[i]:
                d["metadata"] = dict(metadatas[i])
            docs.append(d)
        self.client.ingest(self.collection, docs)
        return ids

    def add_documents(self, documents: Sequence[Document], **kw: Any) -> List[str]:
        ids = [d.id for d in documents] if all(d.id for d in documents) else None
        return self.add_texts([d.page_content for d in documents], [d.metadata for d in documents], ids, **kw)

    def similarity_search_with_score(self, query: str, k: int = 4, filter: Optional[Mapping[str, Any]] = None,
                                     instruction: Optional[str] = None, **fields: Any) -> List[Tuple[Document, float]]:
        res = self.client.search(self.collection, query, k=k, filter=filter, mode=self.mode,
                                 instruction=instruction if instruction is not None else self.instruction, **fields)
        return [(_to_document(h), h.score) for h in res.hits]

    def similarity_search(self, query: str, k: int = 4, filter: Optional[Mapping[str, Any]] = None,
                          **fields: Any) -> List[Document]:
        return [d for d, _ in self.similarity_search_with_score(query, k, filter, **fields)]

    def get_relevant_documents(self, query: str, k: int = 4) -> List[Document]:
        """Retriever-style alias of similarity_search."""
        return self.similarity_search(query, k)

    def delete(self, ids: Optional[Sequence[str]] = None, **_: Any) -> bool:
        for i in ids or []:
            self.client.delete_document(self.collection, i)
        return True

    @classmethod
    def from_texts(cls, texts: List[str], client: Client, collection: str,
                   metadatas: Optional[List[Dict[str, Any]]] = None, **kw: Any) -> "InstructdVectorStore":
        store = cls(client, collection, **kw)
        store.add_texts(texts, metadatas)
        return store


def _to_document(h: SearchHit) -> Document:
    meta = dict(h.metadata)
    meta.setdefault("id", h.id)
    meta.setdefault("score", h.score)
    if h.title:
        meta.setdefault("title", h.title)
    if h.passage:
        meta.setdefault("passage", h.passage)
    return Document(page_content=h.text, metadata=meta, id=h.id)
