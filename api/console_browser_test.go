package api

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// consoleCorpus is the small corpus the browser test uploads: four topics, so that the
// map has colours and lexical search has something to find.
var consoleCorpus = []struct{ id, topic, title, text string }{
	{"river-1", "rivers", "The Nile", "The Nile is a long river in Africa that flows north into the Mediterranean Sea."},
	{"river-2", "rivers", "The Amazon", "The Amazon river carries more water than any other river; its basin is a rainforest."},
	{"river-3", "rivers", "The Danube", "The Danube river flows through ten countries on its way to the Black Sea."},
	{"river-4", "rivers", "River deltas", "A delta forms where a river deposits sediment as it meets a sea or a lake."},
	{"river-5", "rivers", "Flood plains", "Flood plains are flat land beside a river that the water covers in a flood."},
	{"sea-1", "seas", "The Pacific Ocean", "The Pacific is the largest and deepest ocean, a vast body of salt water."},
	{"sea-2", "seas", "Tides", "Tides are the rise and fall of sea level caused by the moon and the sun."},
	{"sea-3", "seas", "Coral reefs", "Coral reefs grow in warm shallow sea water and shelter many fish."},
	{"sea-4", "seas", "The Dead Sea", "The Dead Sea is a salt lake so salty that swimmers float on the water."},
	{"sea-5", "seas", "Ocean currents", "Currents such as the Gulf Stream move warm water across the ocean."},
	{"city-1", "cities", "Cairo", "Cairo, the capital of Egypt, lies on the banks of the Nile river."},
	{"city-2", "cities", "Vienna", "Vienna is the capital of Austria; the Danube river runs through the city."},
	{"city-3", "cities", "Venice", "Venice is a city built on islands in a lagoon, with canals for streets."},
	{"city-4", "cities", "Manaus", "Manaus is a city in the middle of the rainforest, on the Amazon river."},
	{"city-5", "cities", "Lisbon", "Lisbon is a hilly port city where the Tagus river meets the ocean."},
	{"animal-1", "animals", "Salmon", "Salmon hatch in a river, live in the sea, and swim back upriver to spawn."},
	{"animal-2", "animals", "Dolphins", "Dolphins are clever mammals of the sea that hunt fish in groups."},
	{"animal-3", "animals", "Hippopotamus", "The hippopotamus spends its days in a river or lake to keep cool."},
	{"animal-4", "animals", "Sea turtles", "Sea turtles cross the ocean and come ashore to lay eggs on beaches."},
	{"animal-5", "animals", "Beavers", "Beavers build dams across a river with branches and mud."},
}

// consoleFixtures writes the files the test uploads and returns their paths.
func consoleFixtures(t *testing.T) (corpus, badCorpus, queries, qrels string) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	for _, d := range consoleCorpus {
		line, _ := json.Marshal(map[string]any{"_id": d.id, "title": d.title, "text": d.text, "metadata": map[string]any{"topic": d.topic}})
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteString(`{"_id": "broken", "text": 42}` + "\n") // fails alone, with its line number
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corpus = write("corpus.jsonl", b.String())
	badCorpus = write("notes.txt", "these are my notes\nnot JSON at all\n")
	queries = write("queries.jsonl", `{"_id": "q1", "text": "river in Africa"}
{"_id": "q2", "text": "salt water ocean"}
{"_id": "q3", "text": "capital city"}
`)
	qrels = write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\triver-1\t1\nq1\tcity-1\t1\nq2\tsea-1\t1\nq2\tsea-4\t1\nq3\tcity-1\t1\nq3\tcity-2\t2\n")
	return corpus, badCorpus, queries, qrels
}

// chromium finds a Chromium or Chrome binary, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH: the console's browser test needs it (scripts/setup.d/50-console.sh installs Debian's chromium)")
	return ""
}

// browser drives one headless Chromium tab and fails the test on any uncaught page error.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string // directory for screenshots ("" for none)

	mu   sync.Mutex
	errs []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1200, 800), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, shot: os.Getenv("INSTRUCTD_SCREENSHOTS")}
	if err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				msg = "console.error"
				for _, a := range ev.Args {
					msg += " " + string(a.Value) + a.Description
				}
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errs = append(b.errs, msg)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

// do runs steps, failing the test with what the page shows when one fails.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.pageErrors()
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.text("main"))
	}
	b.pageErrors()
}

func (b *browser) pageErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		b.t.Errorf("page error: %s", e)
	}
	b.errs = nil
}

// text is the visible text of the first element matching the CSS selector ("" if none).
func (b *browser) text(sel string) string {
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : '' })()`, sel)))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return s
}

// count is the number of elements matching the CSS selector.
func (b *browser) count(sel string) int {
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// waitText waits until the element's text contains want, or any of also.
func (b *browser) waitText(sel, want string, also ...string) string {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := b.text(sel)
		for _, w := range append([]string{want}, also...) {
			if strings.Contains(got, w) {
				b.pageErrors()
				return got
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never showed %q; it shows %q\npage: %s", sel, append([]string{want}, also...), got, b.text("main"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// open goes to a console page and waits until it has rendered.
func (b *browser) open(page, ready string) {
	b.t.Helper()
	b.do("open "+page, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#/%s'`, page)),
		chromedp.WaitVisible(chromedp.CSS(ready)))
}

// screenshot saves the viewport as console-NAME.png when INSTRUCTD_SCREENSHOTS names a
// directory, scrolled so that the element at sel starts lift pixels below the top.
func (b *browser) screenshot(name, sel string, lift int) {
	b.t.Helper()
	if b.shot == "" {
		return
	}
	scroll := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (e) { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -%d); } return true })()`, sel, lift)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](scroll)); err != nil {
		b.t.Fatalf("scroll for %s: %v", name, err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shot, "console-"+name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// consoleServer serves the API and console over a real server with the test-tiny pack and
// the test-reranker pack on backend b.
func consoleServer(t *testing.T, b backendKind, opts Options) string {
	t.Helper()
	e, _ := serveReal(t, realConfig(t, b, "test-tiny", "test-reranker"), opts)
	return e.srv.URL
}

// TestConsoleBrowser drives the console in headless Chromium against a real server:
// every page, asserting on what the page shows. INSTRUCTD_SCREENSHOTS=DIR also saves a
// screenshot of each page (scripts/screenshots.sh).
func TestConsoleBrowser(t *testing.T) {
	chromium(t)
	forEachBackend(t, testConsoleBrowser)
}

func testConsoleBrowser(t *testing.T, be backendKind) {
	corpus, badCorpus, queries, qrels := consoleFixtures(t)
	base := consoleServer(t, be, Options{APIKeys: []string{"secret-key"}})
	b := newBrowser(t, base)

	// The server wants a key: the page asks for it, asks again after a wrong one, then loads.
	b.do("open console", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#key-dialog[open]")),
		chromedp.SendKeys(chromedp.CSS("#key-input"), "wrong-key"), chromedp.Click(chromedp.CSS("#key-form button[type=submit]")))
	b.waitText("#key-error", "That key was refused")
	b.do("enter key", chromedp.WaitVisible(chromedp.CSS("#key-dialog[open]")),
		chromedp.SendKeys(chromedp.CSS("#key-input"), "secret-key"), chromedp.Click(chromedp.CSS("#key-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("body[data-ready=true] #create-form")))
	b.waitText("main", "No collections yet")
	if where, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(sessionStorage.getItem('instructd.apiKey') || '') + '|' + localStorage.length`)); where != "secret-key|0" {
		t.Errorf("key storage %q, want it in sessionStorage only", where)
	}

	// Collections: create from the form.
	b.do("create", chromedp.SendKeys(chromedp.CSS("#create-form input[name=name]"), "rivers"),
		chromedp.SendKeys(chromedp.CSS("#create-form input[name=window]"), "12"),
		chromedp.SendKeys(chromedp.CSS("#create-form input[name=overlap]"), "4"),
		chromedp.Click(chromedp.CSS("#create-form button[type=submit]")))
	b.waitText("#collections-table", "rivers")
	b.waitText("#page-collections .status", "Created collection rivers")

	// Documents: a wrong file is refused in the page; the corpus streams in with progress.
	b.open("documents", "#upload-form")
	b.do("bad upload", chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{badCorpus}),
		chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")))
	b.waitText("#upload-result", "is not NDJSON: line 1 is not JSON")
	b.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{corpus}),
		chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")))
	b.waitText("#upload-status", "Done: 20 stored, 1 failed")
	b.waitText("#upload-errors", "21") // the failed line's number
	if v, _ := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.querySelector('#upload-progress').value`)); v != 21 {
		t.Errorf("progress bar at %v, want 21 (every line)", v)
	}
	b.waitText("#doc-count", "20 documents in rivers")

	// Browse: the cursor listing when the server has it, else open by id; then one document.
	// The page lists 12 documents at a time.
	if list := b.waitText("#doc-list", "page 1", "no document listing"); !strings.Contains(list, "no document listing") {
		if n := b.count("#doc-list [data-doc]"); n != 12 {
			t.Errorf("first page lists %d documents, want 12", n)
		}
		b.do("next page", chromedp.Click(chromedp.CSS("#docs-next")))
		b.waitText("#doc-list", "page 2")
		if n := b.count("#doc-list [data-doc]"); n != 8 {
			t.Errorf("second page lists %d documents, want the other 8", n)
		}
		b.do("open listed", chromedp.Click(chromedp.CSS("#doc-list [data-doc]")))
		b.waitText("#doc-view", "topic")
	} else {
		t.Log("this server has no document listing; documents are opened by id")
	}
	b.do("open by id", chromedp.SendKeys(chromedp.CSS("#doc-lookup"), "city-2"),
		chromedp.Click(chromedp.CSS("#doc-lookup ~ button")))
	b.waitText("#doc-view", "Vienna")
	b.waitText("#doc-view", "topic")
	b.screenshot("documents", "main", 0)

	// Search: hits with the query's words marked; constraints and demotions shown; a bad
	// filter is refused in the page.
	b.open("search", "#search-form")
	b.do("search", chromedp.SendKeys(chromedp.CSS("#q"), "river water"), chromedp.SetValue(chromedp.CSS("#mode"), "lexical"),
		chromedp.SetValue(chromedp.CSS("#k"), "20"),
		chromedp.SendKeys(chromedp.CSS("#instruction"), "Find places with water, but not about the rainforest"),
		chromedp.Click(chromedp.CSS("#search-form button[type=submit]")))
	b.waitText("#search-out", "hits · lexical")
	if n := b.count("#hits li.hit"); n < 10 {
		t.Errorf("search shows %d hits, want the 10 or more that mention river or water", n)
	}
	if n := b.count("#hits mark"); n == 0 {
		t.Errorf("no matched term highlighted")
	}
	b.waitText("#constraints", "rainforest")
	b.waitText("#hits .demoted-why", "mentions “rainforest”")
	if last := b.text("#hits li.hit:last-child"); !strings.Contains(last, "Demoted") {
		t.Errorf("the last hit is not a demoted one: %s", last)
	}
	b.screenshot("search", "#search-out", 150)
	b.do("bad filter", chromedp.SendKeys(chromedp.CSS("#filter"), `{"topic": rivers}`),
		chromedp.Click(chromedp.CSS("#search-form button[type=submit]")))
	b.waitText("#search-out", "Filter is not valid JSON")
	b.waitText("#filter-error", "Filter is not valid JSON")
	b.do("good filter", chromedp.SetValue(chromedp.CSS("#filter"), `{"topic": "animals"}`),
		chromedp.Click(chromedp.CSS("#search-form button[type=submit]")))
	b.waitText("#search-out", "hits · lexical")
	if got := b.text("#hits"); !strings.Contains(got, "topic: animals") || strings.Contains(got, "topic: rivers") {
		t.Errorf("filtered hits: %s", got)
	}
	// A reranker is loaded, so the page offers it; the answer says it was used.
	b.do("rerank", chromedp.SetValue(chromedp.CSS("#rerank"), "instructd/test-reranker"),
		chromedp.Click(chromedp.CSS("#search-form button[type=submit]")))
	b.waitText("#search-out", "reranked by instructd/test-reranker in")

	// Compare: the same query under two instructions, side by side, moves marked.
	b.open("compare", "#compare-form")
	b.do("compare", chromedp.SendKeys(chromedp.CSS("#cmp-q"), "river"), chromedp.SetValue(chromedp.CSS("#cmp-mode"), "hybrid"),
		chromedp.SendKeys(chromedp.CSS("#instr-b"), "Represent this question for finding animals that live in rivers"),
		chromedp.Click(chromedp.CSS("#compare-form button[type=submit]")))
	b.waitText("#compare-summary", "kept")
	if a, bb := b.count("#col-a li.hit"), b.count("#col-b li.hit"); a != 10 || bb != 10 {
		t.Errorf("compare columns hold %d and %d hits, want 10 each", a, bb)
	}
	if n := b.count("#col-b .badge"); n != 10 {
		t.Errorf("%d of B's hits carry a rank-change badge, want all 10", n)
	}
	b.waitText("#col-a .col-head", "no instruction")
	if n := b.count("#col-b .passage mark"); n == 0 {
		t.Errorf("no best passage with a matched term shown (the collection is chunked; hybrid returns passages)")
	}
	b.screenshot("compare", "#compare-summary", 60)

	// Evaluate: queries and qrels uploaded, metrics per mode, per-query table sortable.
	b.open("evaluate", "#eval-form")
	b.do("evaluate wrong file", chromedp.SetUploadFiles(chromedp.CSS("#eval-queries"), []string{qrels}),
		chromedp.SetUploadFiles(chromedp.CSS("#eval-qrels"), []string{qrels}), chromedp.Click(chromedp.CSS("#eval-form button[type=submit]")))
	b.waitText("#eval-out", "qrels.tsv line 1 is not JSON")
	b.do("evaluate", chromedp.SetUploadFiles(chromedp.CSS("#eval-queries"), []string{queries}),
		chromedp.Click(chromedp.CSS("#eval-mode-lexical")), chromedp.Click(chromedp.CSS("#eval-form button[type=submit]")))
	b.waitText("#eval-summary", "3 queries evaluated")
	if got := b.text("#eval-metrics"); !strings.Contains(got, "dense") || !strings.Contains(got, "lexical") || !strings.Contains(got, "nDCG@10") {
		t.Errorf("metric table: %s", got)
	}
	if n := b.count("#eval-per-query tbody tr"); n != 6 {
		t.Errorf("per-query table has %d rows, want 3 queries × 2 modes", n)
	}
	b.do("sort", chromedp.Click(chromedp.CSS(`#eval-per-query button[data-sort="query_id"]`)))
	b.waitText(`#eval-per-query th[aria-sort="ascending"]`, "Query")
	b.screenshot("evaluate", "main", 0)

	// Map: a PCA projection of the vectors, coloured by topic, with the query placed.
	b.open("map", "#map-form")
	b.do("map", chromedp.SendKeys(chromedp.CSS("#map-q"), "river"), chromedp.Click(chromedp.CSS("#map-form button[type=submit]")))
	b.waitText("#map-status", "20 documents projected")
	b.waitText("#map-legend", "animals")
	b.screenshot("map", "#map-status", 130)

	// Server: the test pack is flagged, health and metrics shown.
	b.open("server", "#models-table")
	b.waitText("#models-table", "test-tiny")
	b.waitText(`#models-table tr[data-model="instructd/test-reranker"]`, "reranker")
	b.waitText("#test-pack-warning", "random weights")
	b.waitText("#server-health", "readyz: ready")
	b.waitText("#m-search", "searches")
	b.screenshot("server", "main", 0)

	// Collections: details, then delete with confirmation.
	b.open("collections", "#collections-table")
	b.do("details", chromedp.Click(chromedp.CSS(`#collections-table tr[data-collection="rivers"] button.link`)))
	b.waitText("#collections-table", "engine")
	b.screenshot("collections", "main", 0)
	b.do("delete", chromedp.Click(chromedp.CSS(`button[data-delete="rivers"]`)), chromedp.WaitVisible(chromedp.CSS("#confirm-dialog[open]")))
	b.waitText("#confirm-text", "20 documents")
	b.do("confirm", chromedp.Click(chromedp.CSS("#confirm-ok")))
	b.waitText("#page-collections .status", "Deleted collection rivers")
	b.waitText("main", "No collections yet")
}
