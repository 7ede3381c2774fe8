package awserr

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
)

// WriteXML writes e as an S3 REST-XML error document.
func WriteXML(w http.ResponseWriter, r *http.Request, e *Error, requestID string) {
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/xml")
	if r != nil && r.Method == http.MethodHead || e.Status == http.StatusNotModified {
		w.WriteHeader(e.Status)
		return
	}
	body := AppendXML(nil, e, requestID)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	w.Write(body)
}

// AppendXML appends the XML error document for e to b.
func AppendXML(b []byte, e *Error, requestID string) []byte {
	b = append(b, xml.Header...)
	b = append(b, "<Error><Code>"...)
	b = appendEscaped(b, e.Code)
	b = append(b, "</Code><Message>"...)
	b = appendEscaped(b, e.Message)
	b = append(b, "</Message>"...)
	for _, kv := range e.Extra {
		b = append(b, '<')
		b = append(b, kv.Key...)
		b = append(b, '>')
		b = appendEscaped(b, kv.Value)
		b = append(b, "</"...)
		b = append(b, kv.Key...)
		b = append(b, '>')
	}
	b = append(b, "<RequestId>"...)
	b = appendEscaped(b, requestID)
	b = append(b, "</RequestId><HostId>"...)
	b = appendEscaped(b, requestID)
	b = append(b, "</HostId></Error>"...)
	return b
}

type escWriter struct{ b *[]byte }

func (w escWriter) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }

func appendEscaped(b []byte, s string) []byte {
	xml.EscapeText(escWriter{&b}, []byte(s))
	return b
}

// WriteJSON writes e as an awsjson (1.0/1.1) or REST-JSON error.
func WriteJSON(w http.ResponseWriter, e *Error, contentType, requestID string) {
	if contentType == "" {
		contentType = "application/x-amz-json-1.1"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("x-amzn-RequestId", requestID)
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	w.Write(body)
}
