//go:build race

package search

// raceEnabled: the race detector makes searches several times slower; the
// differential test then compares fewer queries per corpus (CI runs it so).
const raceEnabled = true
