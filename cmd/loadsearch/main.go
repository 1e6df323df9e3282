// Command loadsearch measures public search under load: it generates a
// corpus of published items in a fresh database, starts `pakn serve`
// against it, waits for /readyz, runs the same queries through HTTP at N
// concurrent clients and in process (straight on the index), and reports
// latency percentiles and the server's resident memory.
//
//	go run ./cmd/loadsearch -n 100000 -clients 16 -duration 20s
//	go run ./cmd/loadsearch -reuse <folder kept with -keep> -rounds 3
//
// Loopback only; every loop is bounded by -duration and -max.
package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/valyala/fasthttp"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pakn/internal/loadtest"
	"pakn/migrations"
	"pakn/models"
	"pakn/search"
)

func main() {
	n := flag.Int("n", 100_000, "items to generate")
	clients := flag.Int("clients", 16, "concurrent clients")
	duration := flag.Duration("duration", 20*time.Second, "length of each measured phase")
	maxReq := flag.Int("max", 200_000, "at most this many requests per phase")
	dbURL := flag.String("db", "", "postgres:// URL of an EMPTY database (default: SQLite in a temporary folder)")
	bin := flag.String("bin", "", "pakn binary (default: go build . into the temporary folder)")
	keep := flag.Bool("keep", false, "keep the temporary folder")
	cache := flag.Int("cache", 0, "result cache size of the server and the in-process index (0: off, the primary figures; e.g. 1024: on)")
	reuse := flag.String("reuse", "", "a folder kept by an earlier run (-keep, SQLite): serve its data again, without generating or building")
	nRounds := flag.Int("rounds", 1, "alternate the HTTP and in-process phases this many times (the machine's noise moves single runs)")
	var serverEnv envList
	genOnly := flag.Bool("generate-only", false, "generate the corpus into a kept folder (or -db) and stop: for timing `pakn reindex` on it")
	flag.Var(&serverEnv, "server-env", "KEY=VALUE added to the server's environment only (repeatable)")
	flag.Parse()
	if err := run(*n, *clients, *duration, *maxReq, *dbURL, *bin, *keep, *cache, *reuse, *nRounds, serverEnv, *genOnly); err != nil {
		fmt.Fprintln(os.Stderr, "loadsearch:", err)
		os.Exit(1)
	}
}

// envList collects repeated -server-env flags.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

func run(n, clients int, duration time.Duration, maxReq int, dbURL, bin string, keep bool, cache int, reuse string, nRounds int, serverEnv []string, genOnly bool) error {
	ctx := context.Background()
	keep = keep || genOnly
	tmp := reuse
	if tmp == "" {
		var err error
		if tmp, err = os.MkdirTemp("", "pakn-load-"); err != nil {
			return err
		}
		if !keep {
			defer os.RemoveAll(tmp)
		}
	}
	dataDir := filepath.Join(tmp, "data")
	fmt.Printf("machine: %s/%s, %d CPUs, %s; data in %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), tmp)

	// 1. Corpus.
	t0 := time.Now()
	if reuse == "" {
		if err := generate(ctx, dbURL, dataDir, n); err != nil {
			return err
		}
		fmt.Printf("generated %d published items in %s\n", n, time.Since(t0).Round(time.Millisecond))
		if genOnly {
			fmt.Printf("PAKN_DATA_DIR=%s\n", dataDir)
			return nil
		}
	} else if dbURL != "" {
		return fmt.Errorf("-reuse serves a kept SQLite folder; it cannot be combined with -db")
	}

	// 2. Server.
	bin, err := loadtest.BuildPakn(bin, tmp)
	if err != nil {
		return err
	}
	var rounds []round
	for r := 1; r <= nRounds; r++ {
		// 3. HTTP phase, against a freshly started server.
		h, err := httpPhase(ctx, bin, dataDir, dbURL, cache, clients, duration, maxReq, serverEnv, reuse != "" || r > 1, n)
		if err != nil {
			return err
		}
		// 4. In-process phase, same queries, same concurrency, on the same
		// index (the server is stopped: it held the folder).
		in, err := inProcessPhase(ctx, dataDir, cache, clients, duration, maxReq)
		if err != nil {
			return err
		}
		rounds = append(rounds, round{h, in})
		if nRounds > 1 {
			fmt.Printf("round %d: HTTP p99 %s, in process p99 %s, ratio %.2f\n", r, pct(h.lat, 99), pct(in.lat, 99), ratio(h.lat, in.lat))
		}
	}

	// 5. Report.
	fmt.Println()
	fmt.Printf("| round | path | requests | errors | throughput | p50 | p95 | p99 | CPU per request |\n|---|---|---|---|---|---|---|---|---|\n")
	per := func(d time.Duration, n int) string {
		return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000/float64(max(1, n)))
	}
	row := func(r int, name string, l []time.Duration, errs int, cpu string) {
		fmt.Printf("| %d | %s | %d | %d | %.0f/s | %s | %s | %s | %s |\n", r, name, len(l), errs,
			float64(len(l))/duration.Seconds(), pct(l, 50), pct(l, 95), pct(l, 99), cpu)
	}
	var ratios []float64
	for i, rd := range rounds {
		row(i+1, fmt.Sprintf("HTTP /api/v1/search, %d clients", clients), rd.http.lat, rd.http.errs,
			fmt.Sprintf("server %s, client %s, machine %s", per(rd.http.cpu.server, len(rd.http.lat)),
				per(rd.http.cpu.client, len(rd.http.lat)), per(rd.http.cpu.machine, len(rd.http.lat))))
		row(i+1, fmt.Sprintf("in process Index.Search, %d goroutines", clients), rd.in.lat, rd.in.errs,
			fmt.Sprintf("process %s, machine %s", per(rd.in.cpu.client, len(rd.in.lat)), per(rd.in.cpu.machine, len(rd.in.lat))))
		ratios = append(ratios, ratio(rd.http.lat, rd.in.lat))
	}
	fmt.Println()
	for i, rd := range rounds {
		fmt.Printf("round %d: p99 HTTP / in process = %.2f; server RSS while serving: peak %s, mean %s (%d samples); %s\n",
			i+1, ratios[i], mb(rd.http.peakRSS), mb(rd.http.meanRSS), rd.http.samples, rd.http.split)
	}
	if len(rounds) > 1 {
		sort.Float64s(ratios)
		fmt.Printf("median p99 HTTP / in process over %d rounds = %.2f\n", len(rounds), ratios[len(ratios)/2])
	}
	return nil
}

type round struct{ http, in phase }

// phase is what one measured phase observed.
type phase struct {
	lat              []time.Duration // sorted
	errs             int
	cpu              cpuUse
	peakRSS, meanRSS int64
	samples          int64
	split            string
}

func ratio(http, in []time.Duration) float64 {
	return float64(pct(http, 99)) / float64(max(1, pct(in, 99)))
}

// httpPhase starts `pakn serve` on the data folder, waits for /readyz (the
// first start builds the index unless built is set), measures the queries
// through HTTP while sampling the server's memory, and stops the server.
func httpPhase(ctx context.Context, bin, dataDir, dbURL string, cache, clients int, duration time.Duration, maxReq int, serverEnv []string, built bool, n int) (phase, error) {
	var ph phase
	addr, err := loadtest.FreeAddr()
	if err != nil {
		return ph, err
	}
	srv := exec.Command(bin, "serve")
	srv.Env = append(os.Environ(), "PAKN_DATA_DIR="+dataDir, "PAKN_ADDR="+addr, "PAKN_BASE_URL=http://"+addr,
		"PAKN_SCHEDULER=off", "PAKN_LOG_LEVEL=warn", "PAKN_DATABASE_URL="+dbURL, "PAKN_SEARCH_CACHE="+cacheEnv(cache))
	if dbURL != "" {
		srv.Env = append(srv.Env, "PAKN_SECRET=load-test-secret-0123456789-abcdef")
	}
	srv.Env = append(srv.Env, serverEnv...)
	logf, err := os.OpenFile(filepath.Join(filepath.Dir(dataDir), "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return ph, err
	}
	defer logf.Close()
	srv.Stdout, srv.Stderr = logf, logf
	t0 := time.Now()
	if err := srv.Start(); err != nil {
		return ph, err
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		loadtest.Stop(srv, 30*time.Second)
	}
	defer stop()
	base := "http://" + addr
	if err := loadtest.WaitReady(base, 10*time.Minute); err != nil {
		return ph, err
	}
	took := time.Since(t0)
	if built {
		fmt.Printf("server ready (index kept) in %s; RSS %s\n", took.Round(time.Millisecond), mb(rss(srv.Process.Pid)))
	} else {
		fmt.Printf("server ready (index built from the database) in %s (%.0f items/s including start-up); RSS %s\n",
			took.Round(time.Millisecond), float64(n)/took.Seconds(), mb(rss(srv.Process.Pid)))
	}

	// fasthttp's HostClient reuses its connections and buffers: the load
	// client shares the 2 cores with the server and should cost it little.
	client := &fasthttp.HostClient{Addr: addr, MaxConns: clients * 2, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, NoDefaultUserAgentHeader: true}
	uris := make(map[string]string, len(queries))
	for _, q := range queries {
		uris[q] = base + "/api/v1/search?q=" + url.QueryEscape(q)
	}
	httpSearch := func(q string) error {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(uris[q])
		if err := client.Do(req, resp); err != nil {
			return err
		}
		if resp.StatusCode() != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode())
		}
		if len(resp.Body()) == 0 {
			return fmt.Errorf("empty body")
		}
		return nil
	}
	for _, q := range queries { // warm-up
		if err := httpSearch(q); err != nil {
			return ph, fmt.Errorf("warm-up %q: %w", q, err)
		}
	}
	var peak, sum, samples atomic.Int64
	sampleCtx, stopSampling := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampleCtx.Done():
				return
			case <-t.C:
				r := rss(srv.Process.Pid)
				sum.Add(r)
				samples.Add(1)
				if r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	cpu0 := cpuNow(srv.Process.Pid)
	ph.lat, ph.errs = measure(clients, duration, maxReq, httpSearch)
	ph.cpu = cpuNow(srv.Process.Pid).sub(cpu0)
	stopSampling()
	pid := srv.Process.Pid
	ph.split = fmt.Sprintf("at the end: anonymous %s, file-backed (index mmap) %s",
		mb(loadtest.ProcStatus(pid, "RssAnon:")), mb(loadtest.ProcStatus(pid, "RssFile:")))
	ph.peakRSS, ph.samples = peak.Load(), samples.Load()
	if ph.samples > 0 {
		ph.meanRSS = sum.Load() / ph.samples
	}
	return ph, nil
}

// inProcessPhase measures the same queries straight on the index.
func inProcessPhase(ctx context.Context, dataDir string, cache, clients int, duration time.Duration, maxReq int) (phase, error) {
	var ph phase
	idx, err := search.Open(filepath.Join(dataDir, "index"), search.Options{CacheSize: cacheOpt(cache)})
	if err != nil {
		return ph, err
	}
	defer idx.Close()
	for _, q := range queries {
		if _, err := idx.Search(ctx, search.Query{Text: q}); err != nil {
			return ph, err
		}
	}
	cpu0 := cpuNow(0)
	ph.lat, ph.errs = measure(clients, duration, maxReq, func(q string) error {
		_, err := idx.Search(ctx, search.Query{Text: q})
		return err
	})
	ph.cpu = cpuNow(0).sub(cpu0)
	return ph, nil
}

// measure runs f over the query list from `clients` goroutines until the
// duration passes or max calls were made.
func measure(clients int, d time.Duration, maxReq int, f func(string) error) ([]time.Duration, int) {
	var mu sync.Mutex
	var all []time.Duration
	var errs atomic.Int64
	var count atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for i := c * 7; time.Now().Before(deadline) && count.Add(1) <= int64(maxReq); i++ {
				q := queries[i%len(queries)]
				start := time.Now()
				if err := f(q); err != nil {
					errs.Add(1)
					continue
				}
				local = append(local, time.Since(start))
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all, int(errs.Load())
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(len(sorted)-1, max(0, i-1))].Round(10 * time.Microsecond)
}

// rss reads VmRSS of a process in bytes (0 when unknown).
func rss(pid int) int64 { return loadtest.ProcStatus(pid, "VmRSS:") }

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "?"
}

// generate fills a fresh database with n published items and their change
// feed, as if they had been published over the last years.
func generate(ctx context.Context, dbURL, dataDir string, n int) error {
	st, err := models.Open(ctx, models.OpenOptions{URL: dbURL, DataDir: dataDir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(2026, 11))
	old := time.Now().Add(-2 * time.Hour).UTC()
	const batch = 1000
	for from := 0; from < n; from += batch {
		items := make([]models.PublishedItem, 0, batch)
		changes := make([]models.PublishedChange, 0, batch)
		for i := from; i < min(n, from+batch); i++ {
			it := synth(r, i, old)
			items = append(items, it)
			changes = append(changes, models.PublishedChange{ItemID: it.ID, Version: 1, CreatedAt: old})
		}
		err := st.DB.WithContext(ctx).Transaction(func(tx *gormDB) error {
			if err := tx.CreateInBatches(&items, 200).Error; err != nil {
				return err
			}
			return tx.CreateInBatches(&changes, 500).Error
		})
		if err != nil {
			return fmt.Errorf("insert batch at %d: %w", from, err)
		}
	}
	return nil
}

// cacheEnv and cacheOpt turn the -cache flag into the server's variable and
// the index option: 0 means off.
func cacheEnv(n int) string {
	if n <= 0 {
		return "off"
	}
	return strconv.Itoa(n)
}

func cacheOpt(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// cpuUse is CPU time of the server, this program and the whole machine.
type cpuUse struct{ server, client, machine time.Duration }

func (a cpuUse) sub(b cpuUse) cpuUse {
	return cpuUse{a.server - b.server, a.client - b.client, a.machine - b.machine}
}

func cpuNow(serverPID int) cpuUse {
	c := cpuUse{client: loadtest.ProcCPU(os.Getpid()), machine: loadtest.MachineCPU()}
	if serverPID > 0 {
		c.server = loadtest.ProcCPU(serverPID)
	}
	return c
}
