package models_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"pakn/internal/testdb"
	"pakn/models"
)

var importer = models.Viewer{Role: models.RoleCoordinator, Name: "test"}

type wantErr struct {
	line  int
	field string
	key   string
}

func checkErrors(t *testing.T, got []models.FAQRowError, want []wantErr) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("errors = %v, want %v", got, want)
	}
	for i, w := range want {
		g := got[i]
		if g.Line != w.line || g.Field != w.field || g.Key != w.key {
			t.Errorf("error %d = line %d %s %s, want line %d %s %s", i, g.Line, g.Field, g.Key, w.line, w.field, w.key)
		}
	}
}

func publicItem(t *testing.T, st *models.Store, ref string) (*models.FAQEntry, *models.PublishedItem) {
	t.Helper()
	var e models.FAQEntry
	if err := st.DB.Where("ref = ?", ref).First(&e).Error; err != nil {
		t.Fatalf("faq %s: %v", ref, err)
	}
	it, err := st.PublicItem(context.Background(), models.FAQItemID(e.ID))
	if errors.Is(err, models.ErrNotFound) {
		return &e, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return &e, it
}

func TestImportFAQ(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		ctx := context.Background()

		t.Run("jsonl", func(t *testing.T) {
			// Names in another case and decomposed (NFD) must match.
			nfdUnit := norm.NFD.String("ủy ban nhân dân huyện bến lức")
			in := strings.Join([]string{
				`{"id":"t-1","category":"cu-tru","unit":"CA","question":"Đăng ký thường trú ở đâu?","answer":"Tại Công an cấp xã."}`,
				`{"id":"t-2","category":"HỘ TỊCH","unit":"` + nfdUnit + `","question":"Khai sinh cho con?","answer":"Tại UBND cấp xã."}`,
				`{"id":"t-3","category":"Không có","unit":"CA","question":"Q?","answer":"A."}`,
				``,
				`{"id":"t-5","category":"thue","unit":"CT","question":"","answer":"A."}`,
				`{not json`,
				`{"category":"thue","unit":"CT","question":"Q?","answer":"A."}`,
				`{"id":"t-8","category":"thue","question":"Không ghi cơ quan?","answer":"Lấy cơ quan của lĩnh vực."}`,
			}, "\n")
			var calls int
			res, err := st.ImportFAQ(ctx, strings.NewReader(in), models.FAQFormatJSONL, models.FAQImportOptions{
				Actor: importer, BatchSize: 2, Progress: func(done, total int) { calls++ }})
			if err != nil {
				t.Fatal(err)
			}
			checkErrors(t, res.Errors, []wantErr{{3, "category", "err.unknown_code"}, {5, "question", "err.required"},
				{6, "", "faq.import.json"}, {7, "id", "err.required"}})
			if res.Created != 3 || res.Published != 3 || res.Total != 7 {
				t.Errorf("result = %+v", res)
			}
			if calls < 3 {
				t.Errorf("progress called %d times", calls)
			}
			e, it := publicItem(t, st, "t-2")
			if it == nil || it.UnitCode != "BEN-LUC" || it.CategoryCode != "ho-tich" || it.Level != "district" || it.Ref != "t-2" {
				t.Errorf("t-2 public item = %+v", it)
			}
			if e.Status != models.FAQPublished || e.Version != 1 {
				t.Errorf("t-2 entry = %+v", e)
			}
			if _, it := publicItem(t, st, "t-8"); it == nil || it.UnitCode != "CT" || it.Level != "province" {
				t.Errorf("t-8 (unit from category) = %+v", it)
			}
		})

		t.Run("upsert", func(t *testing.T) {
			in := `{"id":"t-1","category":"cu-tru","unit":"CA","question":"Đăng ký thường trú ở đâu?","answer":"Tại Công an cấp xã nơi cư trú."}
{"id":"t-2","category":"ho-tich","unit":"BEN-LUC","question":"Khai sinh cho con?","answer":"Tại UBND cấp xã."}`
			res, err := st.ImportFAQ(ctx, strings.NewReader(in), models.FAQFormatJSONL, models.FAQImportOptions{Actor: importer})
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 0 || res.Updated != 1 || res.Unchanged != 1 || len(res.Errors) != 0 {
				t.Fatalf("result = %+v", res)
			}
			e, it := publicItem(t, st, "t-1")
			if e.Version != 2 || it == nil || it.Version != 2 || !strings.Contains(it.Answer, "nơi cư trú") {
				t.Errorf("t-1 after re-import: entry v%d, item %+v", e.Version, it)
			}
			if e, it := publicItem(t, st, "t-2"); e.Version != 1 || it.Version != 1 {
				t.Errorf("unchanged t-2 bumped: entry v%d item v%d", e.Version, it.Version)
			}
		})

		t.Run("draft", func(t *testing.T) {
			in := `{"id":"d-1","category":"thue","unit":"CT","question":"Bản nháp?","answer":"Chưa công khai."}
{"id":"t-1","category":"cu-tru","unit":"CA","question":"Đăng ký thường trú ở đâu?","answer":"Sửa lại, chờ duyệt."}`
			res, err := st.ImportFAQ(ctx, strings.NewReader(in), models.FAQFormatJSONL, models.FAQImportOptions{Actor: importer, Draft: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 1 || res.Updated != 1 || res.Published != 0 {
				t.Fatalf("result = %+v", res)
			}
			for _, ref := range []string{"d-1", "t-1"} {
				if e, it := publicItem(t, st, ref); e.Status != models.FAQDraft || it != nil {
					t.Errorf("%s after draft import: status %s, public %v", ref, e.Status, it)
				}
			}
		})

		t.Run("csv", func(t *testing.T) {
			in := "\ufeffid,category,unit,question,answer,extra\n" +
				"c-1,giao-thong,SGTVT,\"Đổi bằng lái xe,\nmất bao lâu?\",Khoảng 5 ngày.,x\n" +
				"c-2,giao-thong,NOPE,Q?,A.,\n" +
				"c-3,giao-thong,SGTVT,Hỏi?,,\n"
			res, err := st.ImportFAQ(ctx, strings.NewReader(in), models.FAQFormatCSV, models.FAQImportOptions{Actor: importer})
			if err != nil {
				t.Fatal(err)
			}
			// c-1 spans lines 2–3, so c-2 is on line 4.
			checkErrors(t, res.Errors, []wantErr{{4, "unit", "err.unknown_code"}, {5, "answer", "err.required"}})
			if res.Created != 1 {
				t.Errorf("result = %+v", res)
			}
			bad := "id,category,question\n1,thue,Q\n"
			res, err = st.ImportFAQ(ctx, strings.NewReader(bad), models.FAQFormatCSV, models.FAQImportOptions{Actor: importer})
			if err != nil {
				t.Fatal(err)
			}
			checkErrors(t, res.Errors, []wantErr{{1, "answer", "faq.import.header"}})
		})

		t.Run("xlsx", func(t *testing.T) {
			f := excelize.NewFile()
			rows := [][]any{
				{"ID", "Category", "Unit", "Question", "Answer"},
				{"x-1", "Y tế", "Sở Y tế", "Đổi nơi khám bệnh ban đầu?", "Đầu mỗi quý."},
				{"x-2", "y-te", "SYT", "Thiếu câu trả lời", ""},
				{},
				{"x-4", "y-te", "SYT", "Cấp phép phòng khám?", "Tại Sở Y tế."},
			}
			for i, r := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if _, err := f.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			res, err := st.ImportFAQ(ctx, &buf, models.FAQFormatXLSX, models.FAQImportOptions{Actor: importer})
			if err != nil {
				t.Fatal(err)
			}
			checkErrors(t, res.Errors, []wantErr{{3, "answer", "err.required"}})
			if res.Created != 2 {
				t.Errorf("result = %+v", res)
			}
		})

		t.Run("export round trip", func(t *testing.T) {
			var buf bytes.Buffer
			n, err := st.ExportFAQ(ctx, importer, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if n < 30 {
				t.Fatalf("exported %d entries", n)
			}
			res, err := st.ImportFAQ(ctx, &buf, models.FAQFormatXLSX, models.FAQImportOptions{Actor: importer, Draft: true})
			if err != nil {
				t.Fatal(err)
			}
			// Drafts stay drafts; published ones would go back to draft.
			if len(res.Errors) != 0 || res.Created != 0 || res.Total != n {
				t.Errorf("re-import of export: %+v", res)
			}
		})

		t.Run("rights", func(t *testing.T) {
			for _, v := range []models.Viewer{{Role: models.RoleLeader, Name: "x"}, {Role: models.RoleClerk}} {
				_, err := st.ImportFAQ(ctx, strings.NewReader(""), models.FAQFormatJSONL, models.FAQImportOptions{Actor: v})
				if !errors.Is(err, models.ErrForbidden) {
					t.Errorf("%s import: %v, want forbidden", v.Role, err)
				}
			}
		})

		t.Run("seed is idempotent", func(t *testing.T) {
			var before int64
			st.DB.Model(&models.PublishedChange{}).Count(&before)
			if err := st.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
			var after int64
			st.DB.Model(&models.PublishedChange{}).Count(&after)
			if before != after {
				t.Errorf("second seeding changed the feed: %d → %d", before, after)
			}
		})
	})
}
