package user

import "sort"

func sortLocked(ls []LockedAccount) {
	sort.Slice(ls, func(i, j int) bool {
		if !ls[i].LockedUntil.Equal(ls[j].LockedUntil) {
			return ls[i].LockedUntil.Before(ls[j].LockedUntil)
		}
		return ls[i].User.Username < ls[j].User.Username
	})
}
