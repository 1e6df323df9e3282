// Command loadbody measures what oversized bodies cost the server (issue
// 13, item 5): it builds and starts `pakn serve` on a fresh SQLite data
// folder, sends parallel posts of a large body to one route, with a
// Content-Length and chunked, while it samples the server's resident
// memory, and reports the answers and the peak rise above the idle server.
//
//	go run ./cmd/loadbody                       # 16 × 50 MB to /api/v1/petitions
//	go run ./cmd/loadbody -c 16 -mb 50 -path /admin/login -type application/x-www-form-urlencoded
//	go run ./cmd/loadbody -bin /tmp/pakn-old    # an older build, for comparison
//
// Everything stays on the loopback interface.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"pakn/internal/loadtest"
)

func main() {
	var o options
	flag.IntVar(&o.C, "c", 16, "parallel posts")
	flag.IntVar(&o.MB, "mb", 50, "body size of each post, in MB")
	flag.StringVar(&o.Path, "path", "/api/v1/petitions", "route to post to")
	flag.StringVar(&o.Type, "type", "application/json", "Content-Type of the posts")
	flag.StringVar(&o.Bin, "bin", "", "pakn binary (default: build one from the current folder)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadbody:", err)
		os.Exit(1)
	}
}

type options struct {
	C, MB      int
	Path, Type string
	Bin        string
}

func run(o options) error {
	if o.C < 1 || o.C > 256 || o.MB < 1 || o.MB > 1024 {
		return errors.New("-c must be in 1..256 and -mb in 1..1024")
	}
	work, err := os.MkdirTemp("", "pakn-loadbody-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin, err := loadtest.BuildPakn(o.Bin, work)
	if err != nil {
		return err
	}
	addr, err := loadtest.FreeAddr()
	if err != nil {
		return err
	}
	srv := exec.Command(bin, "serve")
	srv.Env = append(os.Environ(), "PAKN_DATA_DIR="+filepath.Join(work, "data"), "PAKN_ADDR="+addr,
		"PAKN_BASE_URL=http://"+addr, "PAKN_SCHEDULER=off", "PAKN_LOG_LEVEL=error", "PAKN_DATABASE_URL=", "PAKN_SECRET=",
		"PAKN_SUBMIT_LIMIT=0")
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer loadtest.Stop(srv, 20*time.Second)
	if err := loadtest.WaitReady("http://"+addr, 2*time.Minute); err != nil {
		return err
	}
	pid := srv.Process.Pid
	for _, chunked := range []bool{false, true} {
		time.Sleep(time.Second) // let the previous round's memory settle
		idle := loadtest.ProcStatus(pid, "VmRSS:")
		peak, statuses, took := round(pid, addr, o, chunked)
		mode := "Content-Length"
		if chunked {
			mode = "chunked"
		}
		fmt.Printf("%d × %d MB %s to %s (%s): idle RSS %s, peak %s, rise %s, in %s; answers %s\n",
			o.C, o.MB, mode, o.Path, o.Type, mb(idle), mb(peak), mb(peak-idle), took.Round(time.Millisecond), statuses)
	}
	fmt.Printf("server peak RSS over the whole run (VmHWM): %s\n", mb(loadtest.ProcStatus(pid, "VmHWM:")))
	return nil
}

// round sends the posts at once and samples the server's RSS until every
// one has its answer (or its connection ended).
func round(pid int, addr string, o options, chunked bool) (peak int64, statuses string, took time.Duration) {
	stop := make(chan struct{})
	sampled := make(chan int64)
	go func() {
		var p int64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if v := loadtest.ProcStatus(pid, "VmRSS:"); v > p {
				p = v
			}
			select {
			case <-stop:
				sampled <- p
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	var (
		mu     sync.Mutex
		counts = map[string]int{}
		wg     sync.WaitGroup
	)
	for i := 0; i < o.C; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := post(addr, o, chunked)
			mu.Lock()
			counts[s]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	took = time.Since(start)
	close(stop)
	peak = <-sampled
	var parts []string
	for s, n := range counts {
		parts = append(parts, fmt.Sprintf("%s ×%d", s, n))
	}
	sort.Strings(parts)
	return peak, strings.Join(parts, ", "), took
}

// post writes one request on its own connection, the body from a small
// buffer over and over (the client holds no 50 MB), and reads the answer
// while it writes: the server may answer and close before the body ends.
func post(addr string, o options, chunked bool) string {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "dial error"
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	size := int64(o.MB) << 20
	answer := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answer <- "no answer"
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answer <- resp.Status
	}()
	w := bufio.NewWriterSize(conn, 64<<10)
	if chunked {
		fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n", o.Path, addr, o.Type)
	} else {
		fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", o.Path, addr, o.Type, size)
	}
	chunk := []byte(strings.Repeat(" ", 64<<10))
	for sent := int64(0); sent < size; sent += int64(len(chunk)) {
		var err error
		if chunked {
			_, err = fmt.Fprintf(w, "%x\r\n%s\r\n", len(chunk), chunk)
		} else {
			_, err = w.Write(chunk)
		}
		if err != nil {
			break // the server answered and closed
		}
	}
	if chunked {
		_, _ = w.WriteString("0\r\n\r\n")
	}
	_ = w.Flush()
	return <-answer
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
