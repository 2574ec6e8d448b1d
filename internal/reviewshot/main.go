// Command reviewshot takes the README's pictures of the review page: the
// queue and one photo's page, over a scan's --out folder, in headless
// Chromium.
//
//	go run ./internal/reviewshot -dir demo-out -photo face.jpg -out docs
package main

import (
	"context"
	"flag"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/chromedp/chromedp"

	"photoaudit/detect"
	"photoaudit/report"
	"photoaudit/review"
)

func main() {
	dir := flag.String("dir", "demo-out", "a scan's --out folder")
	photoName := flag.String("photo", "face.jpg", "the photo whose page to show")
	out := flag.String("out", "docs", "where to write review-queue.jpg and review-photo.jpg")
	flag.Parse()
	srv, err := review.NewServer(*dir, review.Options{Detect: detect.DefaultOptions()})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f, err := os.Open(filepath.Join(*dir, "report.json"))
	if err != nil {
		log.Fatal(err)
	}
	rep, err := report.ReadJSON(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	id := 0
	for i, im := range rep.Images {
		if im.Source == *photoName {
			id = i + 1
		}
	}
	if id == 0 {
		log.Fatalf("no %s in %s", *photoName, *dir)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath("/usr/bin/chromium"), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, time.Minute)
	defer cancel()
	shot := func(url, name string) {
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			log.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*out, name), png, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	tok := "?token=" + srv.Token()
	shot(ts.URL+"/"+tok, "review-queue.jpg")
	shot(ts.URL+"/photo/"+strconv.Itoa(id)+tok, "review-photo.jpg")
}
