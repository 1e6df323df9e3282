package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultHTTPTimeout bounds a request when the caller gives no client.
const defaultHTTPTimeout = 30 * time.Second

// maxErrorBody is how much of an error response is kept for the administrator.
const maxErrorBody = 512

// httpEndpoint is what the SMS gateway and the portal share: a bearer token,
// a client that does not follow redirects, and the classification of answers.
type httpEndpoint struct {
	client *http.Client
	token  string
}

func newHTTPEndpoint(rawURL, token string, client *http.Client) (httpEndpoint, *url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return httpEndpoint{}, nil, fmt.Errorf("parse URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return httpEndpoint{}, nil, fmt.Errorf("URL %q: want an absolute http:// or https:// URL", u.Redacted())
	}
	var c http.Client
	if client != nil {
		c = *client // a copy: the caller's client keeps its own redirect policy
	} else {
		c.Timeout = defaultHTTPTimeout
	}
	// Go turns a POST into a bodiless GET on 301/302/303; a 200 to that GET
	// would count as delivered. A redirect means a wrong URL: report it.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return httpEndpoint{client: &c, token: token}, u, nil
}

// do sends one request and classifies the outcome. okStatus lists extra
// non-2xx statuses that count as done (404 for a DELETE).
func (e httpEndpoint) do(ctx context.Context, op, method, target, idemKey string, body any, okStatus ...int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return MarkPermanent(fmt.Errorf("%s: encode body: %w", op, err))
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return MarkPermanent(fmt.Errorf("%s: build request: %w", op, err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "pakn")
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		// Network errors, timeouts and cancellation: the request may or may
		// not have arrived; the idempotency key makes a retry safe.
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// Drain a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))

	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	for _, ok := range okStatus {
		if code == ok {
			return nil
		}
	}
	se := &StatusError{
		Op:         op,
		StatusCode: code,
		Body:       strings.TrimSpace(strings.ToValidUTF8(string(snippet), "")),
	}
	if retryableStatus(code) {
		se.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return se
	}
	return &Permanent{Err: se}
}

// retryableStatus: 408 and 429 ask us to come back, 5xx is the server's
// trouble. Other 4xx and unfollowed 3xx will not change by retrying.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// errEmpty is returned for a message with a required field missing.
var errEmpty = errors.New("required field is empty")
