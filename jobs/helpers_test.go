package jobs_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/go-co-op/gocron/v2"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/jobs"
	"pakn/jobs/delivery"
	"pakn/models"
	"pakn/models/workdays"
)

// mailServer is a real SMTP server (emersion/go-smtp) that records every
// message it accepts and can be taken down and brought back on its address.
type mailServer struct {
	t    *testing.T
	addr string

	mu       sync.Mutex
	srv      *smtp.Server
	raw      [][]byte
	byID     map[string]int
	failFrom int // take the server down after accepting this many (0: never)
	isDown   bool
}

func startMailServer(t *testing.T) *mailServer {
	t.Helper()
	m := &mailServer{t: t, byID: map[string]int{}}
	m.up("127.0.0.1:0")
	t.Cleanup(m.down)
	return m
}

func (m *mailServer) up(addr string) {
	m.t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = quietSMTPLog{}
	var l net.Listener
	var err error
	for range 100 {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		m.t.Fatalf("smtp listen: %v", err)
	}
	m.mu.Lock()
	m.addr, m.srv, m.isDown = l.Addr().String(), srv, false
	m.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

func (m *mailServer) down() {
	m.mu.Lock()
	srv := m.srv
	m.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

func (m *mailServer) url() string { return "smtp://" + m.addr }

// messages returns the distinct messages by Message-ID, in arrival order.
func (m *mailServer) messages() []*mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	var out []*mail.Message
	for _, raw := range m.raw {
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			m.t.Fatalf("parse message: %v", err)
		}
		id := msg.Header.Get("Message-Id")
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, msg)
	}
	return out
}

// total counts accepted transmissions, repeats included.
func (m *mailServer) total() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.raw)
}

type mailSession struct{ m *mailServer }

func (s *mailSession) Mail(string, *smtp.MailOptions) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.m.isDown {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "shutting down"}
	}
	return nil
}
func (s *mailSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *mailSession) Reset()                               {}
func (s *mailSession) Logout() error                        { return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.raw = append(s.m.raw, b)
	if msg, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		s.m.byID[msg.Header.Get("Message-Id")]++
	}
	if s.m.failFrom > 0 && len(s.m.raw) == s.m.failFrom {
		// Taken down right after accepting this one, mid-batch.
		s.m.isDown = true
		go s.m.srv.Close()
	}
	return nil
}

type quietSMTPLog struct{}

func (quietSMTPLog) Printf(string, ...any) {}
func (quietSMTPLog) Println(...any)        {}

// parts returns the text/plain and text/html bodies of a message.
func parts(t *testing.T, msg *mail.Message) (text, html string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("want multipart, got %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch pt {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	return text, html
}

func subject(t *testing.T, msg *mail.Message) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newRunner builds a runner over a store with the given transports.
func newRunner(t *testing.T, st *models.Store, smtpURL, smsURL string) *jobs.Runner {
	t.Helper()
	r, err := jobs.New(st, jobs.Config{
		BaseURL: "https://pakn.longan.gov.vn", SMTPURL: smtpURL, MailFrom: "PAKN <pakn@longan.gov.vn>",
		SMSURL: smsURL, SMSToken: "sms-token",
		MailerOptions: []delivery.MailerOption{delivery.WithMailTimeout(5 * time.Second)},
		LockTTL:       5 * time.Second,
	}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// vn is a Vietnam wall-clock time.
func vn(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, workdays.VietnamLocation())
}

// fixedClock makes the store's clock read t.
func fixedClock(st *models.Store, t time.Time) { st.Now = func() time.Time { return t } }

// outbox returns every outbox row, by id.
// outbox lists the notify job's rows (e-mail and SMS); the demo FAQ's
// portal rows belong to the portal job.
func outbox(t *testing.T, st *models.Store) []models.OutboxMessage {
	t.Helper()
	var rows []models.OutboxMessage
	if err := st.DB.Where("channel IN ?", []string{models.OutboxEmail, models.OutboxSMS}).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

func runJob(t *testing.T, r *jobs.Runner, name string, at time.Time) {
	t.Helper()
	ran, err := r.RunOnce(context.Background(), name, at)
	if err != nil {
		t.Fatalf("run %s at %s: %v", name, at, err)
	}
	if !ran {
		t.Fatalf("run %s at %s: lock held", name, at)
	}
}

var _ = testdb.Each
var _ = testenv.New

func gocronEvery(d time.Duration) gocron.JobDefinition { return gocron.DurationJob(d) }
