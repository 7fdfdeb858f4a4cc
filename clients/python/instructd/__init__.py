"""Python client for instructd, the instruction-aware embedding retrieval server.

Standard library only. See clients/python/README.md.
"""

from .client import Client, IngestResult, SearchHit, SearchResponse, iter_jsonl
from .errors import (BadRequest, Conflict, ConnectionFailed, Forbidden, InstructdError, NotFound, Overloaded,
                     PayloadTooLarge, ServerError, Unauthorized, Unavailable)
from .langchain import Document, InstructdEmbeddings, InstructdVectorStore

__all__ = ["Client", "IngestResult", "SearchHit", "SearchResponse", "iter_jsonl", "InstructdError", "BadRequest",
           "Conflict", "ConnectionFailed", "Forbidden", "NotFound", "Overloaded", "PayloadTooLarge", "ServerError",
           "Unauthorized", "Unavailable", "Document", "InstructdEmbeddings", "InstructdVectorStore"]
__version__ = "0.1.0"
