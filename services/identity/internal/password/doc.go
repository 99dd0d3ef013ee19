// Package password holds Planta's password rules: the policy (8–72 bytes, no composition
// rules, no common or username-equal passwords, after NIST SP 800-63B), the bcrypt hasher
// that never truncates, and the gate that bounds concurrent bcrypt work.
package password
