package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// gateway is an httptest server answering with a scripted status and
// recording requests.
type gateway struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	status   int
	header   http.Header
	block    bool // hold the request until the client gives up
}

type recorded struct {
	Method, Path, Auth, IdemKey, ContentType string
	Body                                     []byte
}

func newGateway(t *testing.T, status int) *gateway {
	g := &gateway{status: status, header: http.Header{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.requests = append(g.requests, recorded{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"),
			r.Header.Get("Idempotency-Key"), r.Header.Get("Content-Type"), b})
		status, block := g.status, g.block
		for k, v := range g.header {
			w.Header()[k] = v
		}
		g.mu.Unlock()
		if block {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":"scripted"}`)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gateway) last(t *testing.T) recorded {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.requests) == 0 {
		t.Fatal("gateway got no request")
	}
	return g.requests[len(g.requests)-1]
}

type outcome int

const (
	ok outcome = iota
	retryable
	permanent
)

func (o outcome) check(t *testing.T, err error) {
	t.Helper()
	switch o {
	case ok:
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
	case retryable:
		if !IsRetryable(err) || IsPermanent(err) {
			t.Fatalf("err = %v, want retryable", err)
		}
	case permanent:
		if !IsPermanent(err) || IsRetryable(err) {
			t.Fatalf("err = %v, want permanent", err)
		}
	}
}

// httpDateInOneHour stands for a Retry-After HTTP-date an hour from the
// request, computed when the test runs.
const httpDateInOneHour = "<date in 1h>"

func setRetryAfter(h http.Header, v string) {
	if v == httpDateInOneHour {
		v = time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	}
	h.Set("Retry-After", v)
}

// statusCases are shared by the SMS gateway and the portal.
var statusCases = []struct {
	name       string
	status     int
	retryAfter string
	block      bool
	want       outcome
	wantWait   time.Duration
}{
	{name: "200", status: 200, want: ok},
	{name: "201", status: 201, want: ok},
	{name: "202", status: 202, want: ok},
	{name: "408", status: 408, want: retryable},
	{name: "429 with Retry-After seconds", status: 429, retryAfter: "120", want: retryable, wantWait: 2 * time.Minute},
	{name: "429 without Retry-After", status: 429, want: retryable},
	{name: "503 with Retry-After date", status: 503, retryAfter: httpDateInOneHour, want: retryable, wantWait: time.Hour},
	{name: "500", status: 500, want: retryable},
	{name: "400", status: 400, want: permanent},
	{name: "401", status: 401, want: permanent},
	{name: "422", status: 422, want: permanent},
	{name: "redirect is not followed", status: 302, want: permanent},
	{name: "client timeout", block: true, want: retryable},
}

func TestSMSGateway(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, tc.status)
			g.block = tc.block
			if tc.retryAfter != "" {
				setRetryAfter(g.header, tc.retryAfter)
			}
			if tc.status == 302 {
				g.header.Set("Location", "/elsewhere")
			}
			sms, err := NewSMSGateway(g.URL+"/send", "sms-token", &http.Client{Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			err = sms.Send(context.Background(), SMS{ID: "notice-42", To: "0912 345 678", Text: "PAKN: phản ánh của ông/bà đã được tiếp nhận"})
			tc.want.check(t, err)
			checkWait(t, err, tc.wantWait)

			r := g.last(t)
			if r.Method != http.MethodPost || r.Path != "/send" {
				t.Errorf("%s %s", r.Method, r.Path)
			}
			if r.Auth != "Bearer sms-token" || r.IdemKey != "notice-42" || r.ContentType != "application/json" {
				t.Errorf("headers: auth %q, idempotency key %q, content type %q", r.Auth, r.IdemKey, r.ContentType)
			}
			var body map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"to": "+84912345678", "message": "PAKN: phản ánh của ông/bà đã được tiếp nhận", "id": "notice-42"}
			if len(body) != len(want) {
				t.Errorf("body %s", r.Body)
			}
			for k, v := range want {
				if body[k] != v {
					t.Errorf("body[%q] = %v, want %v", k, body[k], v)
				}
			}
		})
	}
}

func checkWait(t *testing.T, err error, want time.Duration) {
	t.Helper()
	got, has := RetryAfter(err)
	if want == 0 {
		if has {
			t.Errorf("RetryAfter = %v, want none", got)
		}
		return
	}
	// An HTTP-date has one-second resolution.
	if !has || got < want-2*time.Second || got > want {
		t.Errorf("RetryAfter = %v, %v; want about %v", got, has, want)
	}
	if d := Delay(err, 1, time.Second, time.Minute); d != got {
		t.Errorf("Delay = %v, want the server's %v", d, got)
	}
}

func TestSMSGatewayRejectsBadInput(t *testing.T) {
	g := newGateway(t, 200)
	sms, err := NewSMSGateway(g.URL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]SMS{
		"foreign number": {ID: "1", To: "+1 202 555 0100", Text: "x"},
		"garbage":        {ID: "1", To: "call me", Text: "x"},
		"no text":        {ID: "1", To: "0912345678"},
		"no id":          {To: "0912345678", Text: "x"},
	} {
		t.Run(name, func(t *testing.T) { permanent.check(t, sms.Send(context.Background(), m)) })
	}
	if len(g.requests) != 0 {
		t.Errorf("invalid messages reached the gateway")
	}
	if _, err := NewSMSGateway("ftp://x", "", nil); err == nil {
		t.Error("ftp URL accepted")
	}
}

func TestNetworkErrorIsRetryable(t *testing.T) {
	g := newGateway(t, 200)
	url := g.URL
	g.Close() // connection refused from now on
	sms, _ := NewSMSGateway(url, "t", nil)
	retryable.check(t, sms.Send(context.Background(), SMS{ID: "1", To: "0912345678", Text: "x"}))
	p, _ := NewPortal(url, "t", nil)
	retryable.check(t, p.Withdraw(context.Background(), "faq-1"))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := sms.Send(ctx, SMS{ID: "1", To: "0912345678", Text: "x"})
	retryable.check(t, err)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func portalItem() PortalItem {
	vn := time.FixedZone("ICT", 7*3600)
	return PortalItem{
		ID: "ans-PAKN-261126-0001", Type: PortalAnswer, Version: 2, Title: "Cấp giấy chứng nhận quyền sử dụng đất",
		Question: "Thủ tục cấp giấy chứng nhận quyền sử dụng đất?", Answer: "Theo quy định …",
		Category: "DAT-DAI", Unit: "STNMT",
		AskedAt:     time.Date(2026, 11, 26, 1, 2, 3, 456, time.UTC), // 08:02:03 in Vietnam
		AnsweredAt:  time.Date(2026, 12, 3, 16, 30, 0, 0, vn),
		PublishedAt: time.Date(2026, 12, 4, 9, 0, 0, 0, vn),
		URL:         "http://localhost:8080/qa/ans-PAKN-261126-0001",
	}
}

func TestPortalItemJSON(t *testing.T) {
	b, err := json.Marshal(portalItem())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"ans-PAKN-261126-0001","type":"answer","version":2,"title":"Cấp giấy chứng nhận quyền sử dụng đất",` +
		`"question":"Thủ tục cấp giấy chứng nhận quyền sử dụng đất?","answer":"Theo quy định …",` +
		`"category":"DAT-DAI","unit":"STNMT","asked_at":"2026-11-26T08:02:03+07:00",` +
		`"answered_at":"2026-12-03T16:30:00+07:00","published_at":"2026-12-04T09:00:00+07:00",` +
		`"url":"http://localhost:8080/qa/ans-PAKN-261126-0001"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}

	faq := portalItem()
	faq.Type, faq.AskedAt, faq.AnsweredAt = PortalFAQ, time.Time{}, time.Time{}
	b, _ = json.Marshal(faq)
	if !strings.Contains(string(b), `"asked_at":null,"answered_at":null,"published_at":"2026-12-04T09:00:00+07:00"`) {
		t.Errorf("FAQ payload %s", b)
	}
}

func TestPortalPublish(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, tc.status)
			g.block = tc.block
			if tc.retryAfter != "" {
				setRetryAfter(g.header, tc.retryAfter)
			}
			p, err := NewPortal(g.URL+"/api/", "portal-token", &http.Client{Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			it := portalItem()
			err = p.Publish(context.Background(), it)
			tc.want.check(t, err)
			checkWait(t, err, tc.wantWait)
			r := g.last(t)
			if r.Method != http.MethodPost || r.Path != "/api/answers" {
				t.Errorf("%s %s", r.Method, r.Path)
			}
			if r.Auth != "Bearer portal-token" || r.IdemKey != "ans-PAKN-261126-0001-2" || r.ContentType != "application/json" {
				t.Errorf("headers: auth %q, idempotency key %q, content type %q", r.Auth, r.IdemKey, r.ContentType)
			}
			want, _ := json.Marshal(it)
			if string(r.Body) != string(want) {
				t.Errorf("body %s", r.Body)
			}
		})
	}
}

func TestPortalWithdraw(t *testing.T) {
	tests := []struct {
		status int
		want   outcome
	}{
		{200, ok}, {204, ok}, {404, ok}, {410, permanent}, {429, retryable}, {500, retryable},
	}
	for _, tc := range tests {
		g := newGateway(t, tc.status)
		p, _ := NewPortal(g.URL, "portal-token", nil)
		tc.want.check(t, p.Withdraw(context.Background(), "faq 7/a"))
		r := g.last(t)
		if r.Method != http.MethodDelete || r.Path != "/answers/faq%207%2Fa" || r.Auth != "Bearer portal-token" {
			t.Errorf("%d: %s %s auth %q", tc.status, r.Method, r.Path, r.Auth)
		}
	}
}

func TestPortalRejectsInvalidItems(t *testing.T) {
	g := newGateway(t, 200)
	p, _ := NewPortal(g.URL, "t", nil)
	for name, mut := range map[string]func(*PortalItem){
		"no id":        func(it *PortalItem) { it.ID = "" },
		"bad type":     func(it *PortalItem) { it.Type = "news" },
		"version 0":    func(it *PortalItem) { it.Version = 0 },
		"no published": func(it *PortalItem) { it.PublishedAt = time.Time{} },
	} {
		it := portalItem()
		mut(&it)
		if err := p.Publish(context.Background(), it); !IsPermanent(err) {
			t.Errorf("%s: %v, want permanent", name, err)
		}
	}
	if len(g.requests) != 0 {
		t.Error("invalid items reached the portal")
	}
}
