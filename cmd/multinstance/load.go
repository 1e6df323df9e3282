package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// portal is the national portal's stand-in: a real HTTP server that counts
// pushes by Idempotency-Key.
type portal struct {
	*httptest.Server
	mu   sync.Mutex
	keys map[string]int
}

func newPortal() *portal {
	p := &portal{keys: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("Authorization") != "Bearer portal-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		key := r.Method + " " + r.URL.Path + " " + r.Header.Get("Idempotency-Key")
		p.mu.Lock()
		p.keys[key]++
		p.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	return p
}

// counts returns the distinct pushes and all deliveries.
func (p *portal) counts() (distinct, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.keys {
		total += n
	}
	return len(p.keys), total
}

var client = &http.Client{Timeout: 30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 256},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}

// submit posts one petition through addr as client ip; it returns the
// status and, on 201, the code and secret.
func submit(addr, ip, title string) (int, [2]string, error) {
	body := fmt.Sprintf(`{"kind":"recommendation","title":%q,"content":"Đề nghị sửa chữa cầu dân sinh ấp 3 trước mùa mưa để học sinh đi lại an toàn.",`+
		`"category":"khac","petitioner":{"name":"Trương Văn Lộc","phone":"0909000333","address":"Cần Giuộc"}}`, title)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/petitions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := client.Do(req)
	if err != nil {
		return 0, [2]string{}, err
	}
	defer resp.Body.Close()
	var out struct{ Code, Secret string }
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(b, &out); err != nil || out.Code == "" {
			return resp.StatusCode, [2]string{}, fmt.Errorf("201 without a code: %.200s", b)
		}
	}
	return resp.StatusCode, [2]string{out.Code, out.Secret}, nil
}

func searchTotal(base, q string) int {
	resp, err := client.Get(base + "/api/v1/search?q=" + url.QueryEscape(q))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var out struct{ Total int }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.Total
}

// load sends a mix of requests from workers until stopped.
type load struct {
	stopped atomic.Bool
	wg      sync.WaitGroup
	seq     atomic.Int64
	mu      sync.Mutex
	res     loadResult
}

type loadResult struct {
	requests, failedReads, failedWrites int
	byKind                              map[string]int
	byStatus                            map[int]int
	acked                               []string
	latencies                           []time.Duration
	firstErr                            string
	took                                time.Duration
}

func (r loadResult) String() string {
	var kinds []string
	for k, n := range r.byKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	var statuses []string
	for s, n := range r.byStatus {
		statuses = append(statuses, fmt.Sprintf("%d×%d", n, s))
	}
	sort.Strings(statuses)
	return fmt.Sprintf("%d requests (%s; statuses %s), %d petitions acknowledged, failed: %d reads, %d writes",
		r.requests, strings.Join(kinds, ", "), strings.Join(statuses, " "), len(r.acked), r.failedReads, r.failedWrites)
}

// startLoad runs workers through the proxy. Without admin clients the mix
// is public: submit, track, search, home page. With them a fifth of the
// requests are officials' pages.
func startLoad(proxy string, workers int, admin []*http.Client) *load {
	l := &load{res: loadResult{byKind: map[string]int{}, byStatus: map[int]int{}}}
	base := "http://" + proxy
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			var mine [][2]string
			for i := 0; !l.stopped.Load(); i++ {
				n := l.seq.Add(1)
				kind := [...]string{"submit", "search", "track", "search", "home"}[i%5]
				if admin != nil && i%5 == 4 {
					kind = "admin"
				}
				t0 := time.Now()
				status, err := 0, error(nil)
				switch kind {
				case "submit":
					var ack [2]string
					status, ack, err = submit(proxy, fmt.Sprintf("10.%d.%d.%d", 20+w%200, n/256%256, n%256), fmt.Sprintf("Phản ánh tải thử %d", n))
					if status == http.StatusCreated {
						mine = append(mine, ack)
						l.mu.Lock()
						l.res.acked = append(l.res.acked, ack[0])
						l.mu.Unlock()
					}
				case "track":
					if len(mine) == 0 {
						continue
					}
					a := mine[i%len(mine)]
					req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/petitions/"+a[0], nil)
					req.Header.Set("X-PAKN-Secret", a[1])
					status, err = do(client, req)
				case "search":
					req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/search?q="+url.QueryEscape([]string{"đăng ký thường trú", "cấp giấy phép xây dựng", "đất đai", "hộ tịch khai sinh"}[i%4]), nil)
					status, err = do(client, req)
				case "home":
					req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
					status, err = do(client, req)
				case "admin":
					req, _ := http.NewRequest(http.MethodGet, base+"/admin?page="+fmt.Sprint(1+i%3), nil)
					status, err = do(admin[w%len(admin)], req)
				}
				took := time.Since(t0)
				l.mu.Lock()
				l.res.requests++
				l.res.byKind[kind]++
				l.res.byStatus[status]++
				l.res.latencies = append(l.res.latencies, took)
				bad := err != nil || status >= 500 && status != http.StatusServiceUnavailable || status == 0
				if kind == "submit" && status != http.StatusCreated && status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
					bad = true
				}
				if kind != "submit" && status != http.StatusOK && status != http.StatusServiceUnavailable {
					bad = true
				}
				if bad {
					if kind == "submit" {
						l.res.failedWrites++
					} else {
						l.res.failedReads++
					}
					if l.res.firstErr == "" {
						l.res.firstErr = fmt.Sprintf("%s: status %d, %v", kind, status, err)
					}
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func do(hc *http.Client, req *http.Request) (int, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (l *load) snapshot() loadResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.res
	r.acked = append([]string(nil), r.acked...)
	r.byKind, r.byStatus = maps.Clone(r.byKind), maps.Clone(r.byStatus)
	return r
}

func (l *load) stop() loadResult {
	l.stopped.Store(true)
	l.wg.Wait()
	return l.snapshot()
}

// loadTest: c connections for d through the proxy, a fifth each of
// submissions, look-ups, searches (two fifths) and officials' pages; 0
// errors other than deliberate 429 and 503, and every acknowledged
// petition stored.
func (c *cluster) loadTest(d time.Duration, conns int) error {
	var admin []*http.Client
	for range 4 {
		hc, err := signIn("http://" + c.proxy)
		if err != nil {
			return err
		}
		admin = append(admin, hc)
	}
	fmt.Printf("load test: %d connections for %s through nginx (two instances, one PostgreSQL) …\n", conns, d)
	t0 := time.Now()
	l := startLoad(c.proxy, conns, admin)
	time.Sleep(d)
	r := l.stop()
	r.took = time.Since(t0)
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	q := func(p float64) time.Duration { return r.latencies[int(p*float64(len(r.latencies)-1))] }
	fmt.Printf("    %s\n    %.0f requests/s, latency p50 %s, p95 %s, p99 %s, max %s\n", r,
		float64(r.requests)/r.took.Seconds(), q(.5).Round(time.Microsecond*100), q(.95).Round(time.Microsecond*100), q(.99).Round(time.Millisecond), q(1).Round(time.Millisecond))
	if err := c.checkStored(r.acked); err != nil {
		return err
	}
	if r.failedReads+r.failedWrites > 0 {
		return fmt.Errorf("errors other than 429/503: %s; first: %s", r, r.firstErr)
	}
	return nil
}
