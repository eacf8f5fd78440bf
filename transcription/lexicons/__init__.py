"""The packaged triage lexicons, one ``<language>.yaml`` each (a package so wheels ship them)."""
