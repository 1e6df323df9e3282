package app_test

import (
	"net/http"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
)

func TestSmokeLoginAndSubmit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		sub := e.Submit(testenvDefaultInput())
		c := e.Login("officer.ben-luc@demo.pakn.vn")
		code, body := c.Get("/admin")
		if code != http.StatusOK {
			t.Fatalf("inbox: %d", code)
		}
		if !contains(body, sub.Petition.Code) {
			t.Fatalf("inbox of BEN-LUC does not list %s", sub.Petition.Code)
		}
		other := e.Login("officer.stnmt@demo.pakn.vn")
		if _, body := other.Get("/admin"); contains(body, sub.Petition.Code) {
			t.Fatalf("STNMT officer sees BEN-LUC's petition")
		}
	})
}
