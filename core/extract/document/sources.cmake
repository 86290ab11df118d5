# Document readers (HTML, PDF, encodings): sources relative to core/extract.
set(CONVENTIOND_EXTRACT_DOCUMENT_SOURCES
  document/encoding.cpp
  document/text_util.cpp
  document/text_document.cpp
  document/html_document.cpp
  document/pdf_document.cpp
  document/pdf_layout.cpp)
