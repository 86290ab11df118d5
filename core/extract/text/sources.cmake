# French text parsers (dates, amounts) of conventiond::extract; included by core/extract.
set(CONVENTIOND_EXTRACT_TEXT_SOURCES
  text/dates.cpp
  text/amounts.cpp
  text/french_text.cpp)
