"""Workforce planning: demand forecasts and Erlang C/A staffing with scenarios."""
