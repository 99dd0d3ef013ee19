package httpapi

// ObserveQuery makes a report every query parameter its handlers read (route is
// "METHOD path template"; declared is false for a name the route does not declare).
func ObserveQuery(a *API, f func(route, name string, declared bool)) { a.observeQuery.Store(&f) }
