// The curl engine lands here (see CurlEngine.swift).
