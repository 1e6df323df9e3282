package app

import (
	"slices"
	"testing"
)

// The inbox's pager keeps the first and last pages and two either side of
// the current one, whatever the number of pages.
func TestPageWindow(t *testing.T) {
	for _, c := range []struct {
		current, total int
		want           []int
	}{
		{1, 0, nil},
		{1, 1, []int{1}},
		{1, 5, []int{1, 2, 3, 4, 5}},
		{1, 16, []int{1, 2, 3, 0, 16}},
		{6, 16, []int{1, 0, 4, 5, 6, 7, 8, 0, 16}},
		{4, 16, []int{1, 2, 3, 4, 5, 6, 0, 16}},
		{16, 16, []int{1, 0, 14, 15, 16}},
		{250, 500, []int{1, 0, 248, 249, 250, 251, 252, 0, 500}},
	} {
		if got := pageWindow(c.current, c.total); !slices.Equal(got, c.want) {
			t.Errorf("pageWindow(%d, %d) = %v, want %v", c.current, c.total, got, c.want)
		}
	}
}
