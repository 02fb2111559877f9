// The HTTP feature server: see issue 5. Routes, lifecycle services and metrics live in this module.
