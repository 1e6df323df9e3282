package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// TestUploadedFileNames: a right-to-left override cannot disguise a file:
// the page shows the name without it (escaped), and the download is named
// with the extension of the sniffed type.
func TestUploadedFileNames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
		sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai",
			Attachments: []models.AttachmentInput{{Name: "<b>evil\u202efdp.exe", Data: pdf}}})
		var att models.Attachment
		if err := e.Store.DB.Where("petition_id = ?", sub.Petition.ID).First(&att).Error; err != nil {
			t.Fatal(err)
		}
		if att.Name != "<b>evilfdp.exe" || att.ContentType != models.TypePDF {
			t.Fatalf("stored %q %s", att.Name, att.ContentType)
		}
		officer := e.Login("officer.ben-luc@demo.pakn.vn")
		_, body := officer.Get("/admin/petitions/" + sub.Petition.Code)
		if strings.Contains(body, "\u202e") || strings.Contains(body, "<b>evil") || !strings.Contains(body, "&lt;b&gt;evilfdp.exe") {
			t.Fatal("the petition page shows the name unescaped or with the override")
		}
		resp := officer.Send(httptest.NewRequest(http.MethodGet, "/admin/petitions/"+sub.Petition.Code+"/files/"+strconvFormat(att.ID), nil))
		readAll(t, resp)
		want := `attachment; filename="_b_evilfdp.pdf"; filename*=UTF-8''_b_evilfdp.pdf`
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != want {
			t.Fatalf("download: %d %q, want %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), want)
		}
	})
}
