module leakscope

go 1.27
