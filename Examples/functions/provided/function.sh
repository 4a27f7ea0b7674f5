# A deliberately vulnerable shell handler for Palisade's end-to-end tests. Do not deploy it anywhere.
# The event's `rawPath` (HTTP API) or `path` (REST API) and the query parameters `name` and `cmd` are read with sed (flat JSON only).
field() { printf '%s' "$1" | sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" | head -n 1; }

handler() {
    local path cmd name output
    path=$(field "$1" rawPath)
    [ -n "$path" ] || path=$(field "$1" path)
    if [ "$path" = /exec ]; then
        # A shell command built from a query parameter.
        cmd=$(field "$1" cmd)
        output=$(sh -c "echo $cmd" | tr -d '\n"\\')
        printf '{"statusCode":200,"body":"{\\"output\\":\\"%s\\"}"}' "$output"
        return
    fi
    name=$(field "$1" name)
    printf '{"statusCode":200,"body":"{\\"hello\\":\\"%s\\"}"}' "${name:-world}"
}
