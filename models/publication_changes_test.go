package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// PublishedItems reads rows with database/sql: it must give what GORM
// reads, for every public item once, in id order, across batches, and
// leave withdrawn items out.
func TestPublishedItemsMatchGORM(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := testenv.Open(t, tg)
		ctx := context.Background()
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		var rows []models.PublishedItem
		for i := range 25 {
			rows = append(rows, models.PublishedItem{ID: fmt.Sprintf("faq-%d", i), Type: models.ItemFAQ, Version: 1 + i%3,
				Title: "Tiêu đề", Question: fmt.Sprintf("Câu hỏi %d về giấy khai sinh?", i), Answer: "Trả lời: nộp tại UBND xã.",
				CategoryCode: "HT", CategoryName: "Hộ tịch", UnitCode: "U1", UnitName: "UBND xã Mỹ Yên", Level: "commune",
				PublishedAt: at.Add(time.Duration(i) * time.Hour), Withdrawn: i%7 == 3, Ref: map[bool]string{true: "ref"}[i%2 == 0]})
		}
		if err := st.DB.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var want []models.PublishedItem
		if err := st.DB.Where("withdrawn = ?", false).Order("id").Find(&want).Error; err != nil {
			t.Fatal(err)
		}
		var got []models.PublishedItem
		batches := 0
		err := st.PublishedItems(ctx, 4, func(b []models.PublishedItem) error {
			batches++
			got = append(got, b...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(want) != 21 || batches != 6 {
			t.Fatalf("%d items in %d batches, GORM %d", len(got), batches, len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if !g.PublishedAt.Equal(w.PublishedAt) {
				t.Errorf("%s: published %v, GORM %v", w.ID, g.PublishedAt, w.PublishedAt)
			}
			// Only the columns the index uses are read.
			g.PublishedAt, w.PublishedAt, w.AskedAt, w.AnsweredAt, w.UpdatedAt = time.Time{}, time.Time{}, nil, nil, time.Time{}
			if g != w {
				t.Errorf("item %d:\n%+v\nGORM\n%+v", i, g, w)
			}
		}
	})
}
