"""Tests against a real instructd server: INSTRUCTD_URL names it (the Go test
cmd/instructd/pyclient_test.go starts one with the test pack and runs these)."""

import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import instructd  # noqa: E402

URL = os.environ.get("INSTRUCTD_URL")


def fresh(prefix):
    return prefix + "-" + uuid.uuid4().hex[:8]


@unittest.skipUnless(URL, "INSTRUCTD_URL not set (run through go test ./cmd/instructd -run PythonClient)")
class ClientTest(unittest.TestCase):
    def setUp(self):
        self.c = instructd.Client(URL)

    def test_health_and_models(self):
        self.assertTrue(self.c.health())
        self.assertTrue(self.c.ready())
        models = self.c.models()
        self.assertTrue(models, "the server has a model loaded")
        self.assertIn("id", models[0])

    def test_collection_lifecycle_and_conflict(self):
        name = fresh("life")
        info = self.c.create_collection(name, metric="cosine")
        self.assertEqual(info["name"], name)
        # same spec again: fine; another spec: Conflict naming the field
        self.c.create_collection(name, metric="cosine")
        with self.assertRaises(instructd.Conflict):
            self.c.create_collection(name, metric="dot")
        self.assertIn(name, [c["name"] for c in self.c.list_collections()])
        self.c.delete_collection(name)
        with self.assertRaises(instructd.NotFound):
            self.c.get_collection(name)

    def test_ingest_search_and_resume(self):
        name = fresh("ingest")
        self.c.create_collection(name)
        docs = [{"id": "d%d" % i, "title": "t%d" % i, "text": "zebra number %d grazes on the plain" % i,
                 "metadata": {"n": i, "group": "even" if i % 2 == 0 else "odd"}} for i in range(25)]
        docs[7] = {"id": "", "text": "bad: empty id"}
        seen = []
        res = self.c.ingest(name, iter(docs), lines_per_request=10, on_progress=lambda r: seen.append(r.acknowledged))
        self.assertEqual(seen, [10, 20, 25])
        self.assertEqual(res.upserted, 24)
        self.assertEqual(res.failed_count, 1)
        self.assertEqual(res.failed[0]["item"], 8, res.failed)
        self.assertEqual(self.c.get_collection(name)["count"], 24)
        # resume: skip the acknowledged items, nothing is sent twice
        more = docs + [{"id": "d25", "text": "a late zebra"}]
        res2 = self.c.ingest(name, iter(more), skip=res.acknowledged)
        self.assertEqual((res2.upserted, res2.acknowledged), (1, 26))
        self.assertEqual(self.c.get_collection(name)["count"], 25)

        out = self.c.search(name, "zebra", k=5, mode="lexical", filter={"group": "even"},
                            include=["title", "text", "metadata"])
        self.assertEqual(out.mode, "lexical")
        self.assertEqual(len(out.hits), 5)
        for h in out.hits:
            self.assertEqual(h.metadata["group"], "even")
            self.assertTrue(h.text.startswith("zebra") or h.text.startswith("a late"))
        batch = self.c.search_batch(name, [{"query": "zebra"}, {"query": "plain"}], k=3, mode="lexical")
        self.assertEqual([len(r.hits) for r in batch], [3, 3])

        doc = self.c.get_document(name, "d3")
        self.assertEqual(doc["metadata"]["n"], 3)
        self.c.delete_document(name, "d3")
        with self.assertRaises(instructd.NotFound):
            self.c.get_document(name, "d3")
        self.c.delete_collection(name)

    def test_dense_search_and_vectors(self):
        name = fresh("dense")
        self.c.create_collection(name)
        self.c.upsert(name, [{"id": "a", "text": "owls hunt at night"}, {"id": "b", "text": "foxes eat berries"}])
        out = self.c.search(name, "owls hunt at night", k=2, include=["vector"])
        self.assertEqual(out.hits[0].id, "a")
        self.assertTrue(out.hits[0].vector)
        self.c.delete_collection(name)

    def test_embeddings(self):
        vecs = self.c.embed(["one", "two"])
        self.assertEqual(len(vecs), 2)
        self.assertEqual(len(vecs[0]), len(vecs[1]))
        q = self.c.embed("one", input_type="query", instruction="find numbers")
        self.assertEqual(len(q), 1)
        self.assertNotEqual(q[0], vecs[0], "a query is embedded with its template, not as a document")

    def test_errors_are_exceptions(self):
        with self.assertRaises(instructd.NotFound):
            self.c.search(fresh("missing"), "x")
        name = fresh("err")
        self.c.create_collection(name)
        with self.assertRaises(instructd.BadRequest) as cm:
            self.c.search(name, "x", k=-1)
        self.assertEqual(cm.exception.status, 400)
        self.assertIn("k", cm.exception.message)
        self.c.delete_collection(name)
        with self.assertRaises(instructd.ConnectionFailed):
            instructd.Client("http://127.0.0.1:9", timeout=2).health()

    def test_langchain_adapters(self):
        emb = instructd.InstructdEmbeddings(self.c, instruction="find animals")
        self.assertEqual(len(emb.embed_documents(["a", "b", "c"])), 3)
        self.assertTrue(emb.embed_query("owl"))
        name = fresh("lc")
        store = instructd.InstructdVectorStore.from_texts(
            ["owls hunt at night", "foxes eat berries"], self.c, name, metadatas=[{"kind": "bird"}, {"kind": "mammal"}],
            mode="lexical")
        docs = store.similarity_search("owls", k=1)
        self.assertEqual(docs[0].page_content, "owls hunt at night")
        self.assertEqual(docs[0].metadata["kind"], "bird")
        pairs = store.similarity_search_with_score("berries", k=2, filter={"kind": "mammal"})
        self.assertEqual([d.metadata["kind"] for d, _ in pairs], ["mammal"])
        store.delete([docs[0].id])
        self.assertEqual(self.c.get_collection(name)["count"], 1)
        self.c.delete_collection(name)


if __name__ == "__main__":
    unittest.main()
