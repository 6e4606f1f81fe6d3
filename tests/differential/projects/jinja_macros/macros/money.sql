{# A macro with a default argument ... #}
{% macro cents_to_dollars(column_name, scale=2) -%}
    round(cast({{ column_name }} as double) / 100, {{ scale }})
{%- endmacro %}

{# ... and one calling it, with keyword arguments. #}
{% macro gross_amount(column_name, tax_rate=none) -%}
    {%- set rate = tax_rate if tax_rate is not none else var('tax_rate') -%}
    {{ cents_to_dollars(column_name, scale=4) }} * (1 + {{ rate }})
{%- endmacro %}
