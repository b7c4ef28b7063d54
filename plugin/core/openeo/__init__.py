"""openEO back-ends: process graphs built from a search (`graph`) and a plain REST client on requests (`client`)."""
