// Command loadintake measures intake throughput on PostgreSQL (issue 2,
// item 10): it builds and starts `pakn serve --demo` against a fresh
// database with the submission limit off, posts petitions concurrently
// through HTTP on 127.0.0.1, reports petitions per second, p50/p99 latency
// and the server's peak resident memory, and then runs pgbench's single-row
// INSERT transactions on the same server for comparison.
//
//	go run ./cmd/loadintake              # 3 rounds of 8000 petitions (32 clients) and 5 s of pgbench
//	go run ./cmd/loadintake -rounds 5 -n 5000 -c 16 -pgbench-seconds 10
//
// Everything stays on the loopback interface and every loop is bounded by a
// count and a time limit.
package main

import (
	"bytes"
	"cmp"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/valyala/fasthttp"

	"pakn/internal/loadtest"
)

func main() {
	var o options
	flag.StringVar(&o.AdminURL, "admin-url", envOr("PAKN_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL URL with the right to create databases")
	flag.IntVar(&o.N, "n", 8000, "petitions to post per round")
	flag.IntVar(&o.Rounds, "rounds", 3, "rounds of intake load, each followed by a pgbench run")
	flag.IntVar(&o.C, "c", 32, "concurrent HTTP clients")
	flag.DurationVar(&o.MaxTime, "max-time", 90*time.Second, "stop posting after this long even if n is not reached")
	flag.IntVar(&o.Warmup, "warmup", 300, "petitions posted before measuring")
	flag.StringVar(&o.Bin, "bin", "", "pakn binary (default: build one from the module root)")
	flag.IntVar(&o.PgbenchSeconds, "pgbench-seconds", 5, "pgbench duration per round (0 skips pgbench)")
	flag.IntVar(&o.PgbenchClients, "pgbench-clients", 16, "pgbench -c")
	flag.IntVar(&o.PgbenchThreads, "pgbench-threads", 2, "pgbench -j")
	flag.StringVar(&o.Limit, "limit", "", "PAKN_SUBMIT_LIMIT for the server, e.g. 1000/min (default off); requests then come from 4,096 client addresses")
	flag.Parse()
	if err := runLoad(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadintake:", err)
		os.Exit(1)
	}
}

type options struct {
	AdminURL                                       string
	N, C, Warmup, Rounds                           int
	MaxTime                                        time.Duration
	Bin                                            string
	PgbenchSeconds, PgbenchClients, PgbenchThreads int
	// Limit is PAKN_SUBMIT_LIMIT for the server ("" = off); with a limit
	// the petitions come from 4,096 client addresses (X-Forwarded-For
	// through a trusted 127.0.0.1), so that its cost is measured, not its
	// refusals.
	Limit string
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func runLoad(o options) error {
	if o.N <= 0 || o.C <= 0 || o.N > 1_000_000 || o.Rounds < 1 || o.Rounds > 20 {
		return errors.New("-n must be in 1..1000000, -c positive, -rounds in 1..20")
	}
	work, err := os.MkdirTemp("", "pakn-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	bin, err := loadtest.BuildPakn(o.Bin, work)
	if err != nil {
		return err
	}

	dbURL, dropDB, err := loadtest.FreshDatabase(o.AdminURL, "pakn_load")
	if err != nil {
		return err
	}
	defer dropDB()

	addr, err := loadtest.FreeAddr()
	if err != nil {
		return err
	}
	base := "http://" + addr
	env := append(os.Environ(),
		"PAKN_DATABASE_URL="+dbURL, "PAKN_SECRET=load-test-secret-0123456789-abcdef",
		"PAKN_ADDR="+addr, "PAKN_BASE_URL="+base, "PAKN_DATA_DIR="+filepath.Join(work, "data"),
		"PAKN_SUBMIT_LIMIT="+cmp.Or(o.Limit, "0"), "PAKN_LOOKUP_LIMIT=0", "PAKN_SCHEDULER=off", "PAKN_LOG_LEVEL=warn",
		"PAKN_TRUSTED_PROXIES=127.0.0.1",
	)
	clients := 0
	if o.Limit != "" {
		clients = 4096
	}
	// Seed with its own process: hashing the demo officials' passwords
	// (argon2id, 64 MiB each) would otherwise count in the server's memory.
	seed := exec.Command(bin, "seed-demo")
	seed.Env = env
	if out, err := seed.CombinedOutput(); err != nil {
		return fmt.Errorf("seed-demo: %w\n%s", err, out)
	}
	server := exec.Command(bin, "serve")
	server.Env = env
	var serverLog bytes.Buffer
	server.Stdout, server.Stderr = io.Discard, &serverLog
	if err := server.Start(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer loadtest.Stop(server, 10*time.Second)
	if err := loadtest.WaitReady(base, 60*time.Second); err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, serverLog.String())
	}
	pid := server.Process.Pid
	idleRSS := rssKB(pid)

	hc := newPoster(addr, o.C)
	fmt.Printf("warm-up: %d petitions\n", o.Warmup)
	if _, err := post(hc, base, bodies(1, o.Warmup), min(o.C, max(o.Warmup, 1)), o.MaxTime, clients); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}

	// Sample the server's resident memory while the load runs.
	var peakRSS atomic.Int64
	stopSampling := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := rssKB(pid); kb > peakRSS.Load() {
				peakRSS.Store(kb)
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	var bench *pgbenchDB
	if o.PgbenchSeconds > 0 {
		if bench, err = newPgbenchDB(o.AdminURL, work); err != nil {
			return err
		}
		defer bench.drop()
	}
	// Intake and pgbench take turns, so that a neighbour's load on a shared
	// machine weighs on both alike; the ratio is the median of the rounds'.
	type round struct{ rate, tps float64 }
	var (
		rounds  []round
		all     result
		pgOut   string
		cpuUsed cpuSplit
	)
	for r := 1; r <= o.Rounds; r++ {
		fmt.Printf("round %d/%d: %d petitions, %d concurrent clients …", r, o.Rounds, o.N, o.C)
		roundBodies := bodies(o.Warmup+(r-1)*o.N+1, o.N)
		cpu0 := cpuNow(pid)
		res, err := post(hc, base, roundBodies, o.C, o.MaxTime, clients)
		cpu1 := cpuNow(pid)
		cpuUsed = cpuUsed.add(cpu1.sub(cpu0))
		if err != nil {
			close(stopSampling)
			return err
		}
		all.ok += res.ok
		all.failed += res.failed
		all.elapsed += res.elapsed
		all.latencies = append(all.latencies, res.latencies...)
		if all.firstErr == "" {
			all.firstErr = res.firstErr
		}
		rd := round{rate: float64(res.ok) / res.elapsed.Seconds()}
		fmt.Printf(" %.0f/s", rd.rate)
		if bench != nil {
			var tps float64
			tps, pgOut, err = bench.run(o)
			if err != nil {
				close(stopSampling)
				return err
			}
			rd.tps = tps
			fmt.Printf("; pgbench %.0f tps; ratio %.2f", tps, rd.rate/tps)
		}
		fmt.Println()
		rounds = append(rounds, rd)
	}
	close(stopSampling)
	sampler.Wait()
	scraped := scrapeMetrics(base, "process_resident_memory_bytes", "pakn_intake_statements_total", "pakn_intake_petitions_total")
	metricRSS := scraped["process_resident_memory_bytes"]

	res := all
	lat := res.latencies
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	median := func(f func(round) float64) float64 {
		v := make([]float64, 0, len(rounds))
		for _, r := range rounds {
			v = append(v, f(r))
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	rate := median(func(r round) float64 { return r.rate })
	pgTPS := median(func(r round) float64 { return r.tps })
	ratio := 0.0
	if bench != nil {
		ratio = median(func(r round) float64 { return r.rate / r.tps })
	}
	fmt.Println()
	fmt.Println("| measure | value |")
	fmt.Println("| --- | --- |")
	fmt.Printf("| petitions posted (201) | %d in %d rounds, %.1f s of load |\n", res.ok, len(rounds), res.elapsed.Seconds())
	fmt.Printf("| failed requests | %d |\n", res.failed)
	fmt.Printf("| intake throughput, median of rounds | **%.0f petitions/s** |\n", rate)
	fmt.Printf("| latency p50 / p99 / max | %s / %s / %s |\n", ms(pct(0.50)), ms(pct(0.99)), ms(lat[len(lat)-1]))
	fmt.Printf("| server RSS idle → peak (VmRSS) | %.1f MB → **%.1f MB** |\n", float64(idleRSS)/1024, float64(peakRSS.Load())/1024)
	if metricRSS > 0 {
		fmt.Printf("| process_resident_memory_bytes after the run | %.1f MB |\n", metricRSS/(1<<20))
	}
	if st := scraped["pakn_intake_statements_total"]; st > 0 {
		fmt.Printf("| petitions per intake statement (group commit), whole run | %.1f |\n", scraped["pakn_intake_petitions_total"]/st)
	}
	per := func(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()*1000/float64(res.ok)) }
	fmt.Printf("| CPU ms per petition: server / PostgreSQL / load client / whole machine | %s / %s / %s / %s |\n",
		per(cpuUsed.server), per(cpuUsed.postgres), per(cpuUsed.client), per(cpuUsed.machine))
	if bench != nil {
		fmt.Printf("| pgbench single-row INSERT, median of rounds | %.0f tps |\n", pgTPS)
		fmt.Printf("| intake / pgbench, median of the rounds' ratios | **%.2f** (goal ≥ 0.25) |\n", ratio)
	}
	fmt.Println()
	if res.firstErr != "" {
		fmt.Println("first failure:", res.firstErr)
	}
	if pgOut != "" {
		fmt.Println("pgbench said (last round):")
		fmt.Println(indent(pgOut))
	}
	var problems []string
	if res.failed > 0 {
		problems = append(problems, fmt.Sprintf("%d requests failed", res.failed))
	}
	if bench != nil && ratio < 0.25 {
		problems = append(problems, fmt.Sprintf("intake is %.2f of pgbench's rate, below a quarter", ratio))
	}
	if peakRSS.Load() >= 100*1024 {
		problems = append(problems, fmt.Sprintf("peak RSS %.1f MB is not under 100 MB", float64(peakRSS.Load())/1024))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	fmt.Println("goals met: intake ≥ 1/4 of pgbench, RSS < 100 MB")
	return nil
}

type result struct {
	ok, failed int
	elapsed    time.Duration
	latencies  []time.Duration
	firstErr   string
}

// body is petition i: Vietnamese text, five categories and areas (one in
// five without an area), both kinds, e-mail contact, so that every petition
// also writes its outbox row.
func body(i int) []byte {
	areas := []string{"BEN-LUC", "TAN-AN", "DUC-HOA", "CAN-GIUOC", ""}
	cats := []string{"dat-dai", "giao-thong", "moi-truong", "cu-tru", "khac"}
	b, _ := json.Marshal(map[string]any{
		"kind":     []string{"complaint", "recommendation"}[i%2],
		"title":    fmt.Sprintf("Phản ánh thử tải số %d về hạ tầng giao thông nông thôn", i),
		"content":  "Đường liên ấp bị ngập sau mỗi trận mưa, người dân đi lại khó khăn. Đề nghị cơ quan chức năng kiểm tra, nạo vét cống thoát nước và nâng cấp mặt đường.",
		"category": cats[i%len(cats)], "area": areas[i%len(areas)], "address": "Ấp 4, xã Thạnh Đức",
		"publish_consent": i%3 == 0,
		"petitioner": map[string]any{
			"name": "Nguyễn Thị Thử Tải", "phone": "0901234567", "email": fmt.Sprintf("load%d@example.vn", i%1000),
			"address": "Ấp 4, xã Thạnh Đức, huyện Bến Lức",
		},
	})
	return b
}

// bodies encodes petitions first..first+n-1 before a round starts, so that
// the round measures the server, not the client's JSON encoder.
func bodies(first, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = body(first + i)
	}
	return out
}

// newPoster is the load client: fasthttp's HostClient keeps one keep-alive
// connection per worker and reuses its request and response buffers, so
// the client spends little CPU of the machine it shares with the server.
func newPoster(addr string, c int) *fasthttp.HostClient {
	return &fasthttp.HostClient{
		Addr:                     addr,
		MaxConns:                 c,
		ReadTimeout:              30 * time.Second,
		WriteTimeout:             30 * time.Second,
		MaxIdleConnDuration:      time.Minute,
		NoDefaultUserAgentHeader: true,
	}
}

// post sends the petitions in bodies with c workers, stopping at maxTime;
// with clients > 0 each request says it comes from one of that many
// addresses (X-Forwarded-For).
// Every request is a real POST /api/v1/petitions; only a 201 counts.
func post(hc *fasthttp.HostClient, base string, bodies [][]byte, c int, maxTime time.Duration, clients int) (result, error) {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		res      result
		wg       sync.WaitGroup
		n        = len(bodies)
		deadline = time.Now().Add(maxTime)
		uri      = base + "/api/v1/petitions"
	)
	res.latencies = make([]time.Duration, 0, n)
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			lats := make([]time.Duration, 0, n/c+1)
			var ok, failed int
			var firstErr string
			for time.Now().Before(deadline) {
				i := int(next.Add(1))
				if i > n {
					break
				}
				req.Reset()
				req.SetRequestURI(uri)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/json")
				req.SetBodyRaw(bodies[i-1])
				if clients > 0 {
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d", i%clients/256, i%256))
				}
				t0 := time.Now()
				err := hc.DoTimeout(req, resp, 30*time.Second)
				if err == nil && resp.StatusCode() != fasthttp.StatusCreated {
					err = fmt.Errorf("status %d: %.200s", resp.StatusCode(), resp.Body())
				}
				if err != nil {
					failed++
					if firstErr == "" {
						firstErr = err.Error()
					}
					continue
				}
				ok++
				lats = append(lats, time.Since(t0))
			}
			mu.Lock()
			res.ok += ok
			res.failed += failed
			res.latencies = append(res.latencies, lats...)
			if res.firstErr == "" {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if res.ok == 0 {
		return res, fmt.Errorf("no petition was accepted: %s", res.firstErr)
	}
	return res, nil
}

// pgbenchDB is a one-table database for pgbench's single-row INSERT
// transactions.
type pgbenchDB struct {
	url, script string
	drop        func()
}

func newPgbenchDB(adminURL, work string) (*pgbenchDB, error) {
	dbURL, drop, err := loadtest.FreshDatabase(adminURL, "pakn_pgbench")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		drop()
		return nil, err
	}
	_, err = db.Exec(`CREATE TABLE bench_insert (id bigserial PRIMARY KEY, title text NOT NULL, content text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`)
	db.Close()
	if err != nil {
		drop()
		return nil, fmt.Errorf("pgbench table: %w", err)
	}
	script := filepath.Join(work, "insert.sql")
	if err := os.WriteFile(script, []byte("INSERT INTO bench_insert (title, content) VALUES ('Phản ánh thử tải', 'Đường liên ấp bị ngập sau mỗi trận mưa.');\n"), 0o644); err != nil {
		drop()
		return nil, err
	}
	return &pgbenchDB{url: dbURL, script: script, drop: drop}, nil
}

// run runs pgbench once and returns its tps.
func (b *pgbenchDB) run(o options) (float64, string, error) {
	cmd := exec.Command("pgbench", "-n", "-c", strconv.Itoa(o.PgbenchClients), "-j", strconv.Itoa(o.PgbenchThreads),
		"-T", strconv.Itoa(o.PgbenchSeconds), "-f", b.script, b.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, string(out), fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindSubmatch(out)
	if m == nil {
		return 0, string(out), fmt.Errorf("pgbench: no tps in its output:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps, string(out), nil
}

// cpuSplit is CPU time used by the server, all postgres processes, this
// program and the whole machine (from /proc, in clock ticks of 10 ms).
type cpuSplit struct{ server, postgres, client, machine time.Duration }

func (a cpuSplit) add(b cpuSplit) cpuSplit {
	return cpuSplit{a.server + b.server, a.postgres + b.postgres, a.client + b.client, a.machine + b.machine}
}

func (a cpuSplit) sub(b cpuSplit) cpuSplit {
	return cpuSplit{a.server - b.server, a.postgres - b.postgres, a.client - b.client, a.machine - b.machine}
}

func cpuNow(serverPID int) cpuSplit {
	// Postgres backends that ended in between are missed; pgx keeps its
	// connections open.
	c := cpuSplit{server: loadtest.ProcCPU(serverPID), client: loadtest.ProcCPU(os.Getpid()), machine: loadtest.MachineCPU()}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) == "postgres" {
			c.postgres += loadtest.ProcCPU(pid)
		}
	}
	return c
}

// rssKB reads VmRSS of a process in kB.
func rssKB(pid int) int64 { return loadtest.ProcStatus(pid, "VmRSS:") / 1024 }

// scrapeMetrics reads the named unlabelled metrics from /metrics.
func scrapeMetrics(base string, names ...string) map[string]float64 {
	out := map[string]float64{}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, name := range names {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+]+)$`).FindSubmatch(raw)
		if m != nil {
			out[name], _ = strconv.ParseFloat(string(m[1]), 64)
		}
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}
