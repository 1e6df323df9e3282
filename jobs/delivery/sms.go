package delivery

import (
	"context"
	"fmt"
	"net/http"
)

// SMS is one text message.
type SMS struct {
	// ID is the idempotency key, stable across retries of the same notice.
	ID   string
	To   string // phone number in any form NormalizePhoneVN accepts
	Text string
}

// smsRequest is the body posted to the gateway:
//
//	POST <PAKN_SMS_URL>
//	Authorization: Bearer <PAKN_SMS_TOKEN>
//	Idempotency-Key: <id>
//	Content-Type: application/json
//
//	{"to":"+84912345678","message":"…","id":"<id>"}
//
// Vietnamese providers (brand-name SMS) each have their own JSON shape; this
// generic one is what a thin adapter in front of the provider accepts. The
// id is repeated in the body for gateways that ignore the header.
type smsRequest struct {
	To      string `json:"to"`
	Message string `json:"message"`
	ID      string `json:"id"`
}

// SMSGateway sends SMS through an HTTP gateway.
type SMSGateway struct {
	ep  httpEndpoint
	url string
}

// NewSMSGateway returns a gateway posting to rawURL with a bearer token. A
// nil client means one with a 30 s timeout; a given client is copied and
// made not to follow redirects.
func NewSMSGateway(rawURL, token string, client *http.Client) (*SMSGateway, error) {
	ep, u, err := newHTTPEndpoint(rawURL, token, client)
	if err != nil {
		return nil, fmt.Errorf("sms gateway: %w", err)
	}
	return &SMSGateway{ep: ep, url: u.String()}, nil
}

// Send posts one SMS. 2xx is delivered; 408, 429, 5xx and network errors are
// retryable (RetryAfter reports a Retry-After); other 4xx, an empty message
// or an invalid number are Permanent.
func (g *SMSGateway) Send(ctx context.Context, msg SMS) error {
	if msg.ID == "" || msg.Text == "" {
		return MarkPermanent(fmt.Errorf("sms: id or text: %w", errEmpty))
	}
	to, err := NormalizePhoneVN(msg.To)
	if err != nil {
		return MarkPermanent(fmt.Errorf("sms %s: %w", msg.ID, err))
	}
	return g.ep.do(ctx, "sms "+msg.ID, http.MethodPost, g.url, msg.ID,
		smsRequest{To: to, Message: msg.Text, ID: msg.ID})
}
