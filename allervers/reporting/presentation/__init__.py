"""From a report's counts (`queries.report_compute`, or a closed year's stored copy) to what
people read, formatted in French with small counts hidden for viewers; nothing here queries.

`values` (the one Formatter), `tables` (key figure, table), `summary` (key figures and main
tables), `details` (every breakdown by site and by month), `paragraph` (the results in words),
`view` (`ReportView`, which the page, the PDF, the XLSX and the CSV all render).
"""
