"""Documents made from the marts for people: the report, its charts and its appendix workbook."""
