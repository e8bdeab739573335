module github.com/redoubt/redoubt

go 1.26.8
