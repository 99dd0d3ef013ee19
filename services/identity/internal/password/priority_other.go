//go:build !linux

package password

// lowerThisThread does nothing where threads cannot be reniced one by one.
func lowerThisThread() {}
