# docs (issue 16): `make docs` rewrites the generated blocks of README.md and docs/**/*.md (the
# references from code, the figures from bench/results/) and checks every link, anchor and path
# in them (docs/build.ts); docs/test/docs.test.ts checks the same during `make test`.
.PHONY: docs
docs: install
	npm run docs
