# Conveniences over the scripts; the README's two commands need no make.
.PHONY: demo test bench eval

demo:
	scripts/demo.sh

test:
	scripts/test.sh

# One run of each stage's 12 MP benchmark and of the whole audit.
bench:
	scripts/setup.sh test
	go test -run '^$$' -bench . -benchmem -benchtime 3x ./photo ./vision ./ocr ./blur ./pipeline

# Accuracy, leaks and speed on the shared labelled sets.
eval:
	go build -o bin/photoaudit ./cmd/photoaudit
	bin/photoaudit eval -q --labels ../shared/eval-dev/composites/labels.json
	bin/photoaudit eval -q --labels ../shared/eval-dev/real/labels.json
