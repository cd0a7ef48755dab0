"""Quality assurance: rubrics, evaluations, calibration, agent scorecards and coaching."""
